package media

import "syscall"

// procAttr puts a job in a process group of its own, so that one signal
// reaches ffmpeg and anything it spawned and a terminal's Ctrl-C meant for
// the server stays away, and has the kernel kill it if the server dies
// without reaping it (kill -9, a crash): the group kill on every context
// end cannot run then.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
