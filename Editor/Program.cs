namespace Engine.Editor;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.WriteLine("engine");
        return 0;
    }
}
