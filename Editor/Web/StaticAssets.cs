using Microsoft.AspNetCore.Http;
using System.Reflection;

namespace Engine.Editor.Web;

/// <summary>
/// The page's files (wwwroot/), embedded in the assembly so that the installed <c>engine</c> serves them from any
/// working directory and without a network.
/// </summary>
internal static class StaticAssets
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    /// <summary>The names served (the path after <c>/</c>).</summary>
    public static IEnumerable<string> Names => ContentTypes.Keys;

    /// <summary>Writes asset <paramref name="name"/>, or 404 when it is not one.</summary>
    public static async Task Serve(HttpContext context, string name)
    {
        Stream? stream = ContentTypes.ContainsKey(name)
            ? typeof(StaticAssets).Assembly.GetManifestResourceStream("wwwroot/" + name)
            : null;
        if (stream is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await using (stream)
        {
            context.Response.ContentType = ContentTypes[name];
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.ContentLength = stream.Length;
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }
}
