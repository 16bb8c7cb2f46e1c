package ecs

import "github.com/berth-dev/berth/pkg/model"

// keyed is one model value and the API field (below its base) it is written under.
type keyed struct {
	key   model.Key
	set   bool
	field []string
}

// record adds base.<field> (in this task's dialect) to paths for every value that is set.
func (l *taskLoader) record(paths *model.Paths, base string, values []keyed) {
	for _, v := range values {
		if v.set {
			paths.Add(v.key, l.path(base, v.field...))
		}
	}
}

// containerPaths records where each scalar of the container mc was written.
func (l *taskLoader) containerPaths(p string, mc *model.Container) {
	l.record(&mc.Paths, p, []keyed{
		{model.KeyImage, mc.Image != "", []string{"image"}},
		{model.KeyCommand, mc.Command != nil, []string{"entryPoint"}},
		{model.KeyArgs, mc.Args != nil, []string{"command"}},
		{model.KeyWorkingDir, mc.WorkingDir != "", []string{"workingDirectory"}},
		{model.KeyUser, mc.User != "", []string{"user"}},
		{model.KeyCapAdd, len(mc.CapAdd) > 0, []string{"linuxParameters", "capabilities", "add"}},
		{model.KeyCapDrop, len(mc.CapDrop) > 0, []string{"linuxParameters", "capabilities", "drop"}},
		{model.KeyPrivileged, mc.Privileged, []string{"privileged"}},
		{model.KeyReadOnly, mc.ReadOnly, []string{"readonlyRootFilesystem"}},
		{model.KeyInit, mc.Init, []string{"linuxParameters", "initProcessEnabled"}},
		{model.KeyTTY, mc.TTY, []string{"pseudoTerminal"}},
		{model.KeyStdin, mc.Stdin, []string{"interactive"}},
		{model.KeyShmSize, mc.ShmSize > 0, []string{"linuxParameters", "sharedMemorySize"}},
		{model.KeyStopTimeout, mc.StopTimeout != nil, []string{"stopTimeout"}},
		// Essential defaults to true: the field is named even when the input leaves it out.
		{model.KeyEssential, true, []string{"essential"}},
	})
}

// taskPaths records where the task-level scalars of the service were written.
func (l *taskLoader) taskPaths() {
	s, td := l.svc, l.td
	l.record(&s.Paths, l.base, []keyed{
		{model.KeyRoleARN, s.RoleARN != "", []string{"taskRoleArn"}},
		{model.KeyExecutionRole, s.ExecutionRoleARN != "", []string{"executionRoleArn"}},
		{model.KeyCompatibilities, len(s.Compatibilities) > 0, []string{"requiresCompatibilities"}},
		{model.KeyNetworkMode, s.NetworkMode != "", []string{"networkMode"}},
		{model.KeyIPC, s.IPC != "", []string{"ipcMode"}},
		{model.KeyPID, s.PID != "", []string{"pidMode"}},
	})
	if rp := td.RuntimePlatform; rp != nil && s.Platform != "" {
		l.record(&s.Paths, l.base, []keyed{
			{model.KeyPlatform, rp.OperatingSystemFamily != nil, []string{"runtimePlatform", "operatingSystemFamily"}},
			{model.KeyPlatform, rp.CPUArchitecture != nil, []string{"runtimePlatform", "cpuArchitecture"}},
		})
	}
}
