using System.Runtime.InteropServices;

namespace LoadBalancer.Balancer.Tools;

/// <summary>
/// glibc's <c>posix_spawnp</c>, for starting a long-running child with its output going straight to a file and in a
/// session of its own, which <see cref="System.Diagnostics.Process"/> cannot do (it only offers pipes back to us).
/// </summary>
internal static unsafe partial class PosixSpawn
{
    private const string Libc = "libc";

    // glibc x86_64/aarch64: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128; the buffers
    // are generously larger so a different layout cannot overrun them.
    private const int FileActionsSize = 512;
    private const int AttrSize = 1024;
    private const int SigSetSize = 256;

    private const short SetSigDefault = 0x04;
    private const short SetSigMask = 0x08;
    private const short SetSid = 0x80;
    private const int ReadOnly = 0;
    private const int WriteCreateAppend = 0x1 | 0x40 | 0x400;

    /// <summary>Starts <paramref name="argv"/>[0] (searched on PATH) with stdin from /dev/null and stdout+stderr appended to <paramref name="logPath"/>; returns its PID.</summary>
    /// <exception cref="InvalidOperationException">posix_spawnp failed (e.g. the program does not exist).</exception>
    public static int Start(IReadOnlyList<string> argv, string logPath)
    {
        var actions = stackalloc byte[FileActionsSize];
        var attr = stackalloc byte[AttrSize];
        var all = stackalloc byte[SigSetSize];
        var none = stackalloc byte[SigSetSize];
        var strings = new List<IntPtr>();
        try
        {
            Check(FileActionsInit(actions), "posix_spawn_file_actions_init");
            Check(AddOpen(actions, 0, "/dev/null", ReadOnly, 0), "addopen stdin");
            Check(AddOpen(actions, 1, logPath, WriteCreateAppend, 0x1a4), "addopen log");
            Check(AddDup2(actions, 1, 2), "adddup2");
            Check(AttrInit(attr), "posix_spawnattr_init");

            // The runtime ignores SIGPIPE and may block signals on this thread; the child gets the defaults, a clean
            // mask, and its own session so no signal meant for our terminal reaches it.
            _ = SigFillSet(all);
            _ = SigEmptySet(none);
            Check(SetSigDefaultSet(attr, all), "setsigdefault");
            Check(SetSigMaskSet(attr, none), "setsigmask");
            Check(SetFlags(attr, SetSigDefault | SetSigMask | SetSid), "setflags");

            var args = Strings(argv, strings);
            var env = Strings(
                Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => $"{e.Key}={e.Value}").ToList(),
                strings);
            int error = Spawn(out int pid, argv[0], actions, attr, args, env);
            return error == 0 ? pid
                : throw new InvalidOperationException($"could not start {ProcessRunner.Format(argv[0], argv.Skip(1))}: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        finally
        {
            _ = FileActionsDestroy(actions);
            _ = AttrDestroy(attr);
            foreach (var p in strings)
            {
                Marshal.FreeHGlobal(p);
            }
        }
    }

    /// <summary>Collects a finished child so it does not stay a zombie; true when <paramref name="pid"/> was our child and has exited.</summary>
    public static bool Reap(int pid) => WaitPid(pid, IntPtr.Zero, 1) == pid;

    private static IntPtr* Strings(IReadOnlyList<string> values, List<IntPtr> owned)
    {
        var array = Marshal.AllocHGlobal(IntPtr.Size * (values.Count + 1));
        owned.Add(array);
        var p = (IntPtr*)array;
        for (int i = 0; i < values.Count; i++)
        {
            p[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
            owned.Add(p[i]);
        }

        p[values.Count] = IntPtr.Zero;
        return p;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{what} failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    [LibraryImport(Libc, EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Spawn(out int pid, string file, byte* actions, byte* attr, IntPtr* argv, IntPtr* envp);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(byte* actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(byte* actions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AddOpen(byte* actions, int fd, string path, int flags, int mode);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int AddDup2(byte* actions, int fd, int newFd);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_init")]
    private static partial int AttrInit(byte* attr);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttrDestroy(byte* attr);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setflags")]
    private static partial int SetFlags(byte* attr, short flags);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int SetSigDefaultSet(byte* attr, byte* set);

    [LibraryImport(Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int SetSigMaskSet(byte* attr, byte* set);

    [LibraryImport(Libc, EntryPoint = "sigfillset")]
    private static partial int SigFillSet(byte* set);

    [LibraryImport(Libc, EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(byte* set);

    [LibraryImport(Libc, EntryPoint = "waitpid")]
    private static partial int WaitPid(int pid, IntPtr status, int options);
}
