package apply

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress displays the rollouts berth waits for: one line per workload.
type Progress interface {
	// Track starts showing the workload named name.
	Track(name string) Tracker
	// Close stops the display once every tracker has finished.
	Close()
}

// Tracker shows one workload's rollout.
type Tracker interface {
	// Update shows the current state; a Done or Failed state finishes the line.
	Update(r Rollout)
	// Abort finishes the line as not done (timeout, interruption).
	Abort(reason string)
}

// PlainProgress prints a line whenever a workload's state changes: for logs and pipes.
func PlainProgress(w io.Writer) Progress { return &plain{w: w} }

type plain struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *plain) Track(name string) Tracker { return &plainTracker{p: p, name: name} }
func (p *plain) Close()                    {}

type plainTracker struct {
	p        *plain
	name     string
	last     string
	finished bool
}

func (t *plainTracker) Update(r Rollout) {
	line := fmt.Sprintf("%d/%d ready", r.Ready, r.Desired)
	switch {
	case r.Done:
		line = fmt.Sprintf("ready (%d/%d)", r.Ready, r.Desired)
	case r.Failed != "":
		line += ": " + r.Failed
	case r.Waiting != "":
		line += ": " + r.Waiting
	}
	t.print(line, r.Done || r.Failed != "")
}

func (t *plainTracker) Abort(reason string) { t.print("not ready: "+reason, true) }

func (t *plainTracker) print(line string, final bool) {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	if t.finished || line == t.last {
		return
	}
	t.last, t.finished = line, final
	fmt.Fprintf(t.p.w, "%s: %s\n", t.name, line)
}

// BarProgress draws live progress bars on a terminal (github.com/vbauerster/mpb).
func BarProgress(w io.Writer) Progress {
	return &bars{p: mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())}
}

type bars struct{ p *mpb.Progress }

func (b *bars) Track(name string) Tracker {
	t := &barTracker{status: "waiting"}
	t.bar = b.p.New(1, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.BarWidth(20), mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Any(t.counts, decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(t.text)))
	return t
}

func (b *bars) Close() { b.p.Wait() }

type barTracker struct {
	bar           *mpb.Bar
	mu            sync.Mutex
	status        string
	ready, wanted int64
	finished      bool
}

func (t *barTracker) counts(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d/%d", t.ready, t.wanted)
}

func (t *barTracker) text(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status
}

func (t *barTracker) Update(r Rollout) {
	t.mu.Lock()
	if t.finished {
		t.mu.Unlock()
		return
	}
	t.ready, t.wanted = r.Ready, r.Desired
	switch {
	case r.Done:
		t.status = "ready"
	case r.Failed != "":
		t.status = r.Failed
	default:
		t.status = r.Waiting
	}
	t.finished = r.Done || r.Failed != ""
	t.mu.Unlock()
	total := max(r.Desired, 1)
	t.bar.SetTotal(total, false)
	t.bar.SetCurrent(min(r.Ready, total))
	switch {
	case r.Done:
		t.bar.SetTotal(-1, true)
	case r.Failed != "":
		t.bar.Abort(false)
	}
}

func (t *barTracker) Abort(reason string) {
	t.mu.Lock()
	if t.finished {
		t.mu.Unlock()
		return
	}
	t.finished, t.status = true, "not ready: "+reason
	t.mu.Unlock()
	t.bar.Abort(false)
}
