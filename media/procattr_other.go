//go:build !linux

package media

import "syscall"

// procAttr puts a job in a process group of its own; see the Linux
// version, which also ties the job's life to the server's.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
