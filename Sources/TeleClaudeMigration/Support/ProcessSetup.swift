import Foundation

/// Process-wide set-up both tools do first.
public enum ProcessSetup {
    /// libarchive converts member names through the C locale; UTF-8 names need a UTF-8
    /// LC_CTYPE. Only LC_CTYPE is set: LC_NUMERIC must stay "C" for number formatting.
    public static func prepare() {
        setlocale(LC_CTYPE, "C.UTF-8")
        // A reader that goes away (`tc-export -o - | ...`) or a file-size limit must become
        // a write error that is reported and cleaned up, not a silent death.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        // A parent may start us with SIGINT/SIGTERM/SIGHUP blocked (the mask is inherited);
        // the tools must stay interruptible so they can clean up their partial files.
        var interrupts = sigset_t()
        sigemptyset(&interrupts)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&interrupts, sig) }
        sigprocmask(SIG_UNBLOCK, &interrupts, nil)
    }
}
