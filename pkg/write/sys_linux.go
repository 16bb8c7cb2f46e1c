package write

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// exchange swaps a and b atomically with renameat2(RENAME_EXCHANGE).
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) {
		return errNoExchange
	}
	return err
}

func isEINVAL(err error) bool { return errors.Is(err, unix.EINVAL) }

// umaskClears reports whether the process umask removes any bit of perm (then created files
// need a chmod). The umask is read from /proc, which, unlike umask(2), does not change it;
// when it cannot be read the answer is yes.
func umaskClears(perm fs.FileMode) bool {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			return err != nil || fs.FileMode(mask)&perm != 0
		}
	}
	return true
}

// sameContent reports whether p is a regular file of this user, with mode perm, one link,
// and exactly data as content.
func sameContent(p string, data []byte, perm fs.FileMode) bool {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || fs.FileMode(st.Mode&0o7777) != perm ||
		st.Nlink != 1 || int(st.Uid) != os.Geteuid() || st.Size != int64(len(data)) {
		return false
	}
	buf := make([]byte, len(data)+1)
	n, err := unix.Pread(fd, buf, 0)
	return err == nil && n == len(data) && bytes.Equal(buf[:n], data)
}
