//go:build unix

package artifact

import "syscall"

const syscallNoFollow = syscall.O_NOFOLLOW
