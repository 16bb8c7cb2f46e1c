package ecs

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// describe-services output (or create-service input, or one service object). Only the fields
// berth uses are read; the many read-only fields (events, deployments' status, ...) are skipped.
type servicesFile struct {
	Services []ecsService `json:"services"`
	Service  *ecsService  `json:"service"`
}

type ecsService struct {
	ServiceName                 *string                `json:"serviceName"`
	TaskDefinition              *string                `json:"taskDefinition"`
	DesiredCount                *int64                 `json:"desiredCount"`
	DeploymentConfiguration     *deploymentConfig      `json:"deploymentConfiguration"`
	DeploymentController        *deploymentController  `json:"deploymentController"`
	LoadBalancers               []serviceLoadBalancer  `json:"loadBalancers"`
	ServiceRegistries           []serviceRegistry      `json:"serviceRegistries"`
	ServiceConnectConfiguration *serviceConnectConfig  `json:"serviceConnectConfiguration"`
	Deployments                 []serviceDeploymentRef `json:"deployments"`
}

type deploymentConfig struct {
	MaximumPercent        *int64 `json:"maximumPercent"`
	MinimumHealthyPercent *int64 `json:"minimumHealthyPercent"`
}

type deploymentController struct {
	Type *string `json:"type"`
}

type serviceLoadBalancer struct {
	TargetGroupArn   *string `json:"targetGroupArn"`
	LoadBalancerName *string `json:"loadBalancerName"`
	ContainerName    *string `json:"containerName"`
	ContainerPort    *int64  `json:"containerPort"`
}

type serviceRegistry struct {
	RegistryArn   *string `json:"registryArn"`
	ContainerName *string `json:"containerName"`
	ContainerPort *int64  `json:"containerPort"`
}

type serviceConnectConfig struct {
	Enabled  *bool                   `json:"enabled"`
	Services []serviceConnectService `json:"services"`
}

type serviceConnectService struct {
	PortName      *string       `json:"portName"`
	DiscoveryName *string       `json:"discoveryName"`
	ClientAliases []clientAlias `json:"clientAliases"`
}

type clientAlias struct {
	Port    *int64  `json:"port"`
	DNSName *string `json:"dnsName"`
}

type serviceDeploymentRef struct {
	ServiceConnectConfiguration *serviceConnectConfig `json:"serviceConnectConfiguration"`
}

// applyServiceFile reads a describe-services output into the app's services: desiredCount →
// replicas, deploymentConfiguration → rollout, loadBalancers → the published container port,
// Service Connect names → service aliases. A service whose task definition was not loaded is
// skipped with a warning.
func applyServiceFile(app *model.App, f source) error {
	root, ln, err := parseSource(f)
	if err != nil {
		return err
	}
	if root.kind != kObject {
		return diag.Errorf(ln.pos(root.off), "", "", "want describe-services output (an object with \"services\"), got %s", describe(root))
	}
	var sf servicesFile
	d := &decoder{lines: ln, lenient: true, offs: map[string]int64{}}
	if err := d.decode(root, reflect.ValueOf(&sf).Elem(), ""); err != nil {
		return toDiag(err, ln, root, "")
	}
	list, base := sf.Services, "services"
	if sf.Service != nil {
		list, base = []ecsService{*sf.Service}, "service"
	}
	if len(list) == 0 && root.get("serviceName") != nil {
		var one ecsService
		if err := d.decode(root, reflect.ValueOf(&one).Elem(), ""); err != nil {
			return toDiag(err, ln, root, "")
		}
		list, base = []ecsService{one}, ""
	}
	sl := &serviceLoader{app: app, d: d, ln: ln, skipped: map[string]bool{}}
	for i := range list {
		p := fmt.Sprintf("%s[%d]", base, i)
		if base == "" {
			p = ""
		} else if base == "service" {
			p = base
		}
		if err := sl.apply(&list[i], p); err != nil {
			return err
		}
	}
	for _, f := range d.fields {
		if !sl.skippedField(f.Path) {
			app.Inputs = append(app.Inputs, f)
		}
	}
	app.Diagnostics = append(app.Diagnostics, d.warns...)
	return nil
}

type serviceLoader struct {
	app *model.App
	d   *decoder
	ln  *lines
	// skipped are the paths of services whose task definition was not loaded; their fields
	// are not this app's inputs.
	skipped map[string]bool
}

func (s *serviceLoader) skippedField(path string) bool {
	for p := path; p != ""; p = parentPath(p) {
		if s.skipped[p] {
			return true
		}
	}
	return false
}

func (s *serviceLoader) pos(path string) diag.Pos {
	for p := path; p != ""; p = parentPath(p) {
		if off, ok := s.d.offs[p]; ok {
			return s.ln.pos(off)
		}
	}
	return diag.Pos{File: s.ln.file, Line: 1, Column: 1}
}

func (s *serviceLoader) warn(svc, path, format string, args ...any) {
	s.app.Diagnostics = append(s.app.Diagnostics, diag.Diagnostic{Severity: diag.Warning, Pos: s.pos(path), Service: svc, Field: path, Message: fmt.Sprintf(format, args...)})
}

func (s *serviceLoader) errf(svc, path, format string, args ...any) error {
	return diag.Errorf(s.pos(path), svc, path, format, args...)
}

// family extracts the family from a task definition reference: an ARN
// (arn:aws:ecs:region:account:task-definition/family:revision), family:revision or family.
func family(ref string) string {
	if i := strings.LastIndex(ref, "task-definition/"); i >= 0 {
		ref = ref[i+len("task-definition/"):]
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

func (s *serviceLoader) apply(es *ecsService, p string) error {
	fam := family(deref(es.TaskDefinition))
	svc := s.app.Service(sanitize(fam))
	if svc == nil {
		s.warn("", join(p, "taskDefinition"), "ECS service %q runs task definition family %q, which is not among the loaded task definitions; skipped", deref(es.ServiceName), fam)
		s.skipped[p] = true
		return nil
	}
	for i := range s.d.fields {
		if f := &s.d.fields[i]; p == "" || f.Path == p || strings.HasPrefix(f.Path, p+".") {
			f.Service = svc.Name
		}
	}
	if es.DesiredCount != nil {
		n := int32(*es.DesiredCount)
		if n < 0 {
			return s.errf(svc.Name, join(p, "desiredCount"), "desiredCount must not be negative")
		}
		svc.Replicas = &n
		svc.Paths.Add(model.KeyReplicas, join(p, "desiredCount"))
	}
	s.rollout(svc, es, p)
	if err := s.loadBalancers(svc, es, p); err != nil {
		return err
	}
	s.names(svc, es, p)
	return nil
}

// rollout maps maximumPercent/minimumHealthyPercent (ECS defaults 200/100) to maxSurge and
// maxUnavailable: 200/100 → 100%/0%, 150/50 → 50%/50%.
func (s *serviceLoader) rollout(svc *model.Service, es *ecsService, p string) {
	if dc := es.DeploymentController; dc != nil && deref(dc.Type) != "" && deref(dc.Type) != "ECS" {
		s.warn(svc.Name, join(p, "deploymentController.type"), "deployment controller %s (blue/green or external) has no Kubernetes equivalent: a rolling update is used", deref(dc.Type))
	}
	dc := es.DeploymentConfiguration
	if dc == nil || (dc.MaximumPercent == nil && dc.MinimumHealthyPercent == nil) {
		return
	}
	maxP, minP := int64(200), int64(100)
	if dc.MaximumPercent != nil {
		maxP = *dc.MaximumPercent
	}
	if dc.MinimumHealthyPercent != nil {
		minP = *dc.MinimumHealthyPercent
	}
	surge, unavail := clampPct(maxP-100), clampPct(100-minP)
	r := &model.Rollout{MaxSurge: fmt.Sprintf("%d%%", surge), MaxUnavailable: fmt.Sprintf("%d%%", unavail), Field: join(p, "deploymentConfiguration")}
	if surge == 0 && unavail == 0 {
		r.MaxSurge = "1"
		s.warn(svc.Name, r.Field, "maximumPercent 100 with minimumHealthyPercent 100 lets no update proceed; maxSurge 1 is used")
	}
	svc.Rollout = r
}

func clampPct(v int64) int64 {
	return min(max(v, 0), 100)
}

// loadBalancers marks the container ports behind a load balancer as published.
func (s *serviceLoader) loadBalancers(svc *model.Service, es *ecsService, p string) error {
	for i, lb := range es.LoadBalancers {
		lp := fmt.Sprintf("%s[%d]", join(p, "loadBalancers"), i)
		cname, port := sanitize(deref(lb.ContainerName)), deref(lb.ContainerPort)
		found := false
		for ci := range svc.Containers {
			c := &svc.Containers[ci]
			if c.Name != cname {
				continue
			}
			for pi := range c.Ports {
				if int64(c.Ports[pi].Target) == port {
					if c.Ports[pi].Published == "" {
						c.Ports[pi].Published = fmt.Sprint(port)
					}
					found = true
				}
			}
		}
		if !found {
			return s.errf(svc.Name, lp, "load balancer targets container %q port %d, which the task definition does not map", deref(lb.ContainerName), port)
		}
	}
	return nil
}

// names collects Service Connect discovery names and client aliases.
func (s *serviceLoader) names(svc *model.Service, es *ecsService, p string) {
	var sc []*serviceConnectConfig
	if es.ServiceConnectConfiguration != nil {
		sc = append(sc, es.ServiceConnectConfiguration)
	}
	for _, d := range es.Deployments {
		if d.ServiceConnectConfiguration != nil {
			sc = append(sc, d.ServiceConnectConfiguration)
		}
	}
	for _, c := range sc {
		if c.Enabled != nil && !*c.Enabled {
			continue
		}
		for _, cs := range c.Services {
			name := deref(cs.DiscoveryName)
			if name == "" {
				name = deref(cs.PortName)
			}
			if name != "" && name != svc.Name {
				svc.Aliases = appendNew(svc.Aliases, name)
			}
			for _, a := range cs.ClientAliases {
				if n := deref(a.DNSName); n != "" && n != svc.Name {
					svc.Aliases = appendNew(svc.Aliases, n)
				}
			}
		}
	}
	sort.Strings(svc.Aliases)
	if len(es.ServiceRegistries) > 0 {
		s.warn(svc.Name, join(p, "serviceRegistries"), "Cloud Map registries are named by ARN only; clients must use the Kubernetes Service name %q", svc.Name)
	}
}
