using System.Diagnostics;

namespace SecAgg.RoundBench.Orchestration;

/// <summary>
/// Ends a role process when the sweep that started it is gone (killed, crashed), even in the middle of a join or a
/// round, so an interrupted sweep never leaves aggregators or participants running.
/// </summary>
internal static class ParentWatchdog
{
    public static void Start(int parentId)
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(1000);
                if (!Alive(parentId))
                {
                    Environment.Exit(3);
                }
            }
        })
        { IsBackground = true, Name = "parent watchdog" };
        thread.Start();
    }

    private static bool Alive(int id)
    {
        try
        {
            using Process p = Process.GetProcessById(id);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
