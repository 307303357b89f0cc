// Placeholder entry point; the command-line tool (System.CommandLine) lands with the participant issue.
if (args.Length > 0 && args[0] == "demo")
{
    Console.WriteLine("SecAgg demo: nothing to run yet.");
    return 0;
}

Console.Error.WriteLine("usage: secagg demo");
return 2;
