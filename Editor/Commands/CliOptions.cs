using System.CommandLine;

namespace Engine.Editor.Commands;

/// <summary>Shorthands for declaring verb options; the verbs read values through <see cref="CommandLine"/>.</summary>
internal static class CliOptions
{
    /// <summary>Adds <c>--name VALUE</c>.</summary>
    public static Command Value(this Command command, string name, string description, bool repeatable = false)
    {
        Option option = repeatable
            ? new Option<string[]>("--" + name) { Description = description, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false }
            : new Option<string>("--" + name) { Description = description, Arity = ArgumentArity.ExactlyOne };
        command.Options.Add(option);
        return command;
    }

    /// <summary>Adds the flag <c>--name</c>.</summary>
    public static Command Flag(this Command command, string name, string description)
    {
        command.Options.Add(new Option<bool>("--" + name) { Description = description, Arity = ArgumentArity.Zero });
        return command;
    }

    /// <summary>Adds positional arguments named <paramref name="name"/>, between <paramref name="min"/> and <paramref name="max"/> of them.</summary>
    public static Command Positional(this Command command, string name, string description, int min, int max)
    {
        command.Arguments.Add(new Argument<string[]>(name) { Description = description, Arity = new ArgumentArity(min, max) });
        return command;
    }
}
