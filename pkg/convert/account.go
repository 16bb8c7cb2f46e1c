package convert

import (
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
)

// passive is what becomes of an input field no mapping rule consumes because Kubernetes
// needs nothing for it, or cannot express it.
type passive struct {
	Outcome diag.Outcome
	Reason  string
}

// passiveFields maps a service field name (the segment after services.<name>.) to its fate.
func passiveFields() map[string]passive {
	ignored := func(r string) passive { return passive{diag.Ignored, r} }
	dropped := func(r string) passive { return passive{diag.Dropped, r} }
	return map[string]passive{
		"container_name": ignored("pods get generated names; the Service name is the stable address"),
		"profiles":       ignored("profiles were applied when loading: only active services are converted"),
		"pull_policy":    ignored("berth sets imagePullPolicy from the image tag"),
		"logging":        dropped("logging drivers are not converted: containers log to stdout/stderr and the cluster's log collector ships them"),
		"restart_policy": ignored("see restart"),
		"stop_signal":    dropped("Kubernetes always sends SIGTERM: make the image's STOPSIGNAL or entrypoint handle it"),
		"cgroup_parent":  dropped("cgroups are managed by the kubelet"),
		"security_opt":   dropped("security_opt is not converted: use x-berth or edit securityContext (seccompProfile, appArmorProfile)"),
		"oom_score_adj":  dropped("the kubelet sets OOM scores from the pod's QoS class"),
		"mac_address":    dropped("pods get addresses from the cluster network"),
	}
}

// accountApp records the passive fields of every service.
func (b *builder) accountApp() {
	table := passiveFields()
	for _, f := range b.app.Inputs {
		if f.Service == "" || !strings.HasPrefix(f.Path, "services.") {
			continue
		}
		rest := strings.TrimPrefix(f.Path, "services.")
		parts := strings.Split(rest, ".")
		if len(parts) != 2 {
			continue
		}
		p, ok := table[parts[1]]
		if !ok {
			continue
		}
		if p.Outcome == diag.Ignored {
			b.ledger.Ignored(f.Service, f.Path, p.Reason)
		} else {
			b.ledger.Dropped(f.Service, f.Path, p.Reason)
		}
	}
}
