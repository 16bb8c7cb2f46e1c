package convert

import (
	corev1 "k8s.io/api/core/v1"
)

// This file holds the seams between the workload builder (owner: convert helper) and the
// config/volume concern (owner: config helper). The bodies below are minimal but real: plain
// env entries, no volumes. The config helper replaces each function by moving it into
// config.go / secret.go / volume.go (delete it here in the same commit); the workload code only
// calls them and never depends on their internals.
//
// Contract:
//   - containerEnv is called once per container, after image/command are set. It fills k.Env /
//     k.EnvFrom and accounts the container's env fields (c.M.Env[i].Field). Fixes from fixes.go
//     run after it and append to k.Env only when the variable is not set by the input.
//   - podVolumes is called once per container, after containerEnv. It adds volumes to p.Spec
//     (deduplicated by name across containers) and mounts to c.K. For p.Kind == StatefulSet
//     named volumes become mounts of the claim templates returned by claimTemplates (the
//     volumeClaimTemplates' names are the mounts' volume names).
//   - claimTemplates is called once per StatefulSet after all containers are built.
//   - appObjects runs once after every service: app-level objects (PVCs, shared ConfigMaps and
//     Secrets, top-level secrets/configs) go out through b.emit.
//
// Names: b.name(svc) is a service's object name; p.target / p.ctarget build ledger targets.

// containerEnv sets the container's environment from c.M.Env.
func (b *builder) containerEnv(p *pod, c *ctr) error {
	for _, e := range c.M.Env {
		if e.Unset || e.From != nil {
			b.ledger.Dropped(p.svc.Name, e.Field, "variable "+e.Name+" has no value")
			continue
		}
		c.K.Env = append(c.K.Env, corev1.EnvVar{Name: e.Name, Value: e.Value})
		b.ledger.Mapped(p.svc.Name, e.Field, p.ctarget(c, "env"))
	}
	return nil
}

// podVolumes adds the container's mounts to the pod (none yet).
func (b *builder) podVolumes(p *pod, c *ctr) error {
	for _, m := range c.M.Mounts {
		b.ledger.Dropped(p.svc.Name, m.Field, "volumes are not converted yet")
	}
	return nil
}

// claimTemplates returns the StatefulSet's volumeClaimTemplates (none yet).
func (b *builder) claimTemplates(p *pod) []corev1.PersistentVolumeClaim {
	return nil
}

// appObjects emits app-level config and storage objects (none yet).
func (b *builder) appObjects() error {
	return nil
}
