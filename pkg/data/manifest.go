package data

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Entry is one file, directory or link of a volume, as both sides of a copy see it.
type Entry struct {
	Path     string // relative, cleaned, "/"-separated: "a/b"
	Type     byte   // 'f' regular, 'd' directory, 'l' symbolic link
	Mode     int64  // permission bits with setuid, setgid and sticky (07777)
	UID, GID int
	Size     int64  // regular files
	MTime    int64  // Unix seconds (regular files)
	Link     string // symbolic link target
	SHA256   string // regular files, hex
	// HardLink names the path this entry is a hard link of (source side); Inode is the
	// target side's inode, which hard-linked paths share.
	HardLink string
	Inode    uint64
}

// Manifest is a copy's per-file list, by path.
type Manifest map[string]*Entry

// Add records e.
func (m Manifest) Add(e *Entry) { m[e.Path] = e }

// Paths are the manifest's paths, sorted.
func (m Manifest) Paths() []string {
	return slices.Sorted(maps.Keys(m))
}

// CleanPath turns a tar or find name ("./a/b", "a/b/") into a manifest path ("a/b"); "" for
// the root.
func CleanPath(name string) string {
	p := path.Clean("/" + strings.TrimPrefix(name, "./"))
	return strings.TrimPrefix(p, "/")
}

// FromHeader is the manifest entry of a tar header (SHA256 still to fill for regular files).
func FromHeader(h *tar.Header) (*Entry, error) {
	e := &Entry{Path: CleanPath(h.Name), Mode: h.Mode & 0o7777, UID: h.Uid, GID: h.Gid}
	if strings.ContainsAny(h.Name, "\n") {
		return nil, fmt.Errorf("%q: names with a newline are not supported", h.Name)
	}
	switch h.Typeflag {
	case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg
		e.Type, e.Size, e.MTime = 'f', h.Size, h.ModTime.Unix()
	case tar.TypeDir:
		e.Type = 'd'
	case tar.TypeSymlink:
		e.Type, e.Link = 'l', h.Linkname
	case tar.TypeLink:
		e.Type, e.HardLink = 'f', CleanPath(h.Linkname)
	default:
		return nil, fmt.Errorf("%s: tar entry type %q (device, FIFO or socket) is not copied", h.Name, h.Typeflag)
	}
	return e, nil
}

// ListScript prints, in the target container, the manifest of directory dir: stat lines,
// then checksums, then symbolic link targets, in the format ParseList reads. It needs only
// sh, find, stat, sha256sum and readlink (busybox or coreutils).
func ListScript(dir string) string {
	return `set -e; cd ` + Quote(dir) + `; echo '#sum'; find . -type f -exec sha256sum {} +; ` + statLinks
}

// statLinks lists the current directory's entries (stat) and symbolic link targets.
const statLinks = `echo '#stat'; find . -mindepth 1 -exec stat -c '%f %u %g %s %Y %i %n' {} +; ` +
	`echo '#link'; find . -type l -exec sh -c 'for f do printf "%s\t%s\n" "$f" "$(readlink "$f")"; done' sh {} +`

// VerifyScript hashes, in the target container, the files of dir a copy writes while it
// writes them, then lists dir as ListScript does but without hashing again. The copy's tar
// stream carries the batches, in the directory marks: after a batch's files, a file N.names
// (the batch's paths as shell words: "./a" './b c') and an empty marker N, for N = 1, 2, ...;
// after the last, a marker "end". tar extracts in order, so once N exists N.names and the
// batch's files are complete and are hashed (sha256sum reads them back from the claim) while
// the copy goes on; once "end" exists and the next marker does not, every batch has been
// hashed, and it lists every entry's metadata. Batches still to hash once "end" exists (the
// node hashed more slowly than the stream came) are hashed nproc at a time: the stream's work
// is over, and the CPUs it used are free. It reads nothing from its stdin: a stdin that
// fills while hashing lags would stall the exec stream (and its heartbeat) at the API server.
// Hard links are hashed under one of their paths: ParseList gives the others the same
// checksum (one inode, one content).
//
// It also watches the copy's own script (TarScript): when that ends with an error before the
// last batch, it prints a line "#failed CODE" and the script's stderr, and exits. The copy's
// exec does not always end by itself when its command stops reading (over SPDY it waits while
// the sender still writes); this line is how the sender learns why to stop.
func VerifyScript(dir, marks string) string {
	m := Quote(marks)
	return `set -e; mkdir -p ` + m + `; cd ` + Quote(dir) + `; n=$(nproc 2>/dev/null || echo 1); echo '#sum'; i=1; ` +
		`while :; do if [ -e ` + m + `/end ] && [ ! -e ` + m + `/$i ]; then break; ` +
		// the stream has ended: the batches left are hashed n at a time
		`elif [ -e ` + m + `/end ] && [ "$n" -gt 1 ]; then k=$i; ` +
		`while [ -e ` + m + `/$k ] && [ $((k-i)) -lt "$n" ]; do (set +e; eval "sha256sum $(cat ` + m + `/$k.names)" > ` + m + `/$k.sum; echo $? > ` + m + `/$k.rc) & k=$((k+1)); done; wait; ` +
		`while [ $i -lt $k ]; do cat ` + m + `/$i.sum; [ "$(cat ` + m + `/$i.rc)" = 0 ] || exit 1; i=$((i+1)); done; ` +
		`elif [ -e ` + m + `/$i ]; then eval "sha256sum $(cat ` + m + `/$i.names)"; i=$((i+1)); ` +
		`elif [ -s ` + m + `/exit ] && [ "$(cat ` + m + `/exit)" != 0 ]; then echo "` + FailedLine + `$(cat ` + m + `/exit)"; cat ` + m + `/err; exit 0; ` +
		`else sleep 0.05; fi; done; ` + statLinks
}

// FailedLine begins VerifyScript's report of a copy script that ended with an error.
const FailedLine = "#failed "

// TarScript is the copy's script in the target container: prep (shell commands that may refuse
// with exit), then tar -x of its stdin under root. Its exit status and stderr are kept in the
// directory marks ("exit", "err") for VerifyScript, and its stderr also goes to its own.
func TarScript(marks, prep, root string) string {
	m := Quote(marks)
	return `mkdir -p ` + m + ` && exec 3>&2 2>` + m + `/err && trap 'rc=$?; cat ` + m + `/err >&3; echo $rc > ` + m + `/exit' EXIT && set -e; ` +
		prep + `tar -xf - -C ` + Quote(root) + ` --numeric-owner`
}

// SumsFrom gives the regular files of m listed without a checksum the one of an earlier listing,
// before, where that listed the same file (same inode, size and time: a resume's copy left it
// as it was), and then the one of a path with the same inode (a hard link the copy made to
// such a file).
func (m Manifest) SumsFrom(before Manifest) {
	for p, e := range m {
		if b := before[p]; e.Type == 'f' && e.SHA256 == "" && b != nil && b.Type == 'f' && b.Size == e.Size && b.MTime == e.MTime && b.Inode == e.Inode {
			e.SHA256 = b.SHA256
		}
	}
	m.linkSums()
}

// linkSums gives a regular file listed without a checksum the one of a path with the same
// inode (one inode, one content).
func (m Manifest) linkSums() {
	byInode := map[uint64]string{}
	for _, e := range m {
		if e.Type == 'f' && e.SHA256 != "" && e.Inode != 0 {
			byInode[e.Inode] = e.SHA256
		}
	}
	for _, e := range m {
		if e.Type == 'f' && e.SHA256 == "" && e.Inode != 0 {
			e.SHA256 = byInode[e.Inode]
		}
	}
}

// ParseList reads ListScript's (or VerifyScript's) output. lost+found at the root is left
// out: file systems make it, no copy does. A regular file listed without a checksum takes the
// one of a path with the same inode (its hard link).
func ParseList(r io.Reader) (Manifest, error) {
	m := Manifest{}
	sums, links := map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	section := ""
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			section = line
			continue
		}
		if line == "" {
			continue
		}
		if err := parseLine(m, sums, links, section, line); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for p, e := range m {
		if e.Type == 'f' {
			e.SHA256 = sums[p]
		}
		if e.Type == 'l' {
			e.Link = links[p]
		}
	}
	m.linkSums()
	for p := range m {
		if p == "lost+found" || strings.HasPrefix(p, "lost+found/") {
			delete(m, p)
		}
	}
	return m, nil
}

func parseLine(m Manifest, sums, links map[string]string, section, line string) error {
	bad := func() error { return fmt.Errorf("unexpected listing line %q", line) }
	switch section {
	case "#stat":
		f := strings.SplitN(line, " ", 7)
		if len(f) != 7 {
			return bad()
		}
		raw, err1 := strconv.ParseUint(f[0], 16, 32)
		uid, err2 := strconv.Atoi(f[1])
		gid, err3 := strconv.Atoi(f[2])
		size, err4 := strconv.ParseInt(f[3], 10, 64)
		mtime, err5 := strconv.ParseInt(f[4], 10, 64)
		ino, err6 := strconv.ParseUint(f[5], 10, 64)
		for _, err := range []error{err1, err2, err3, err4, err5, err6} {
			if err != nil {
				return bad()
			}
		}
		e := &Entry{Path: CleanPath(f[6]), Mode: int64(raw & 0o7777), UID: uid, GID: gid, Inode: ino}
		switch raw & 0o170000 {
		case 0o100000:
			e.Type, e.Size, e.MTime = 'f', size, mtime
		case 0o040000:
			e.Type = 'd'
		case 0o120000:
			e.Type = 'l'
		default:
			e.Type = '?'
		}
		m.Add(e)
	case "#sum":
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return bad()
		}
		sums[CleanPath(name)] = sum
	case "#link":
		name, target, ok := strings.Cut(line, "\t")
		if !ok {
			return bad()
		}
		links[CleanPath(name)] = target
	default:
		return bad()
	}
	return nil
}

// Mismatch is one difference between the source and the target of a copy.
type Mismatch struct {
	Path, What string
}

func (m Mismatch) String() string { return m.Path + ": " + m.What }

// Compare lists how target differs from src: missing entries, other types, modes, owners,
// sizes, checksums, modification times of files, link targets and hard-link groups, and
// entries the source does not have. It is empty when the copy is exact.
func Compare(src, target Manifest) []Mismatch {
	var out []Mismatch
	for _, p := range src.Paths() {
		if w := entryDiff(src, target, src[p]); w != "" {
			out = append(out, Mismatch{p, w})
		}
	}
	for _, p := range target.Paths() {
		if src[p] == nil {
			out = append(out, Mismatch{p, "not in the source"})
		}
	}
	return out
}

// Equal reports whether target holds src's entry at p exactly.
func Equal(src, target Manifest, p string) bool {
	return src[p] != nil && entryDiff(src, target, src[p]) == ""
}

func entryDiff(src, target Manifest, s *Entry) string {
	t := target[s.Path]
	if t == nil {
		return "missing"
	}
	if s.HardLink != "" {
		o := target[s.HardLink]
		if o == nil || o.Inode != t.Inode {
			return "not a hard link of " + s.HardLink
		}
		s = src[s.HardLink]
		if s == nil {
			return "hard link to a path the source lacks"
		}
	}
	switch {
	case s.Type != t.Type:
		return fmt.Sprintf("type %c, want %c", t.Type, s.Type)
	case s.Type != 'l' && s.Mode != t.Mode:
		return fmt.Sprintf("mode %04o, want %04o", t.Mode, s.Mode)
	case s.UID != t.UID || s.GID != t.GID:
		return fmt.Sprintf("owner %d:%d, want %d:%d", t.UID, t.GID, s.UID, s.GID)
	case s.Type == 'l' && s.Link != t.Link:
		return fmt.Sprintf("link to %q, want %q", t.Link, s.Link)
	case s.Type == 'f' && s.Size != t.Size:
		return fmt.Sprintf("size %d, want %d", t.Size, s.Size)
	case s.Type == 'f' && s.SHA256 != t.SHA256:
		return "checksum differs"
	case s.Type == 'f' && s.MTime != t.MTime:
		return fmt.Sprintf("modified %d, want %d", t.MTime, s.MTime)
	}
	return ""
}

// Quote makes s one shell word (the runbooks of package plan quote with it too).
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
