// The tests check POSIX file modes (0600 keys and state); they run on Linux.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
