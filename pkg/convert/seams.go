package convert

// This file holds the seams between the workload builder (owner: convert helper) and the
// config/volume concern (owner: config helper), whose functions live in env.go (containerEnv),
// volume.go (podVolumes), storage.go (claimTemplates) and config.go (appObjects); the workload
// code only calls them and never depends on their internals.
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
