package convert

import (
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// ECS field accounting. The shared rules record what they convert under the fields the loader
// recorded (model Field and Paths: ECS names, CloudFormation's PascalCase); this file accounts
// the ECS fields no rule consumes, from a table keyed by canonical path.

var (
	ecsIndexRE = lazyRegexp(`\[\d+\]`)
	ecsCFNRE   = lazyRegexp(`^Resources\.[^.]+\.Properties(\.|$)`)
)

// ecsNorm normalizes an ECS input path: no "<service>:" prefix, no describe-task-definition
// or CloudFormation wrapper, API (camelCase) names; indices are kept.
func ecsNorm(path string) string {
	if i := strings.IndexByte(path, ':'); i >= 0 && !strings.Contains(path[:i], "[") {
		path = path[i+1:]
	}
	path = strings.TrimPrefix(path, "taskDefinition.")
	if path == "taskDefinition" {
		return ""
	}
	cfn := ecsCFNRE().MatchString(path)
	path = ecsCFNRE().ReplaceAllString(path, "")
	if strings.HasPrefix(path, "[") {
		path = "containerDefinitions" + path
	}
	if !cfn {
		return path
	}
	segs := strings.Split(path, ".")
	for i, s := range segs {
		name, idx, _ := strings.Cut(s, "[")
		if idx != "" {
			idx = "[" + idx
		}
		segs[i] = cfnToAPI(name) + idx
	}
	return strings.Join(segs, ".")
}

// cfnToAPI turns a CloudFormation property name into the ECS API name.
func cfnToAPI(name string) string {
	switch name {
	case "", "service", "services":
		return name
	case "EFSVolumeConfiguration":
		return "efsVolumeConfiguration"
	case "FSxWindowsFileServerVolumeConfiguration":
		return "fsxWindowsFileServerVolumeConfiguration"
	case "FilesystemId":
		return "fileSystemId"
	case "IAM":
		return "iam"
	case "ProxyConfigurationProperties":
		return "properties"
	}
	return strings.ToLower(name[:1]) + name[1:]
}

// ecsCanon is ecsNorm without indices: the key of the passive-field table.
func ecsCanon(path string) string { return ecsIndexRE().ReplaceAllString(ecsNorm(path), "[]") }

// accountECSPassive accounts, from the table, the fields of an ECS app no rule consumed: every
// input field of an ECS app ends up with an outcome and a reason.
func (b *builder) accountECSPassive() {
	table := ecsPassive()
	// One warning per fact: the fields of one list element (a device's hostPath, containerPath
	// and permissions) dropped for the same reason warn once, at the first of them.
	warned := map[string]bool{}
	for _, a := range b.ledger.Account(b.app.Inputs) {
		if a.Outcome != diag.Unhandled {
			continue
		}
		if a.Empty {
			b.ledger.Ignored(a.Service, a.Path, "empty: declares nothing")
			continue
		}
		rule := lookupRule(table, ecsCanon(a.Path))
		if rule == nil {
			continue
		}
		out, reason, target := rule(b, b.app.Service(a.Service))
		switch out {
		case diag.Mapped:
			b.ledger.Mapped(a.Service, a.Path, target)
		case diag.Ignored:
			b.ledger.Ignored(a.Service, a.Path, reason)
		case diag.Partial:
			e := diag.Entry{Service: a.Service, Field: a.Path, Outcome: diag.Partial, Reason: reason}
			if target != "" {
				e.Targets = []string{target}
			}
			b.ledger.Record(e)
			b.ledger.Warnf(a.Service, a.Path, "%s", reason)
		case diag.Dropped:
			key := a.Service + "\x00" + reason + "\x00" + elementOf(a.Path)
			if reason == logDriversDropped {
				key = a.Service + "\x00" + reason // a fact about the task: once, not per container
			}
			if strings.HasSuffix(reason, "(see the warning)") || warned[key] {
				// Already warned about (by the loader, or for this element): account it
				// without a second warning.
				b.ledger.Record(diag.Entry{Service: a.Service, Field: a.Path, Outcome: diag.Dropped, Reason: reason})
				continue
			}
			warned[key] = true
			b.ledger.Dropped(a.Service, a.Path, reason)
		}
	}
}

// logDriversDropped is the reason for every container's logConfiguration: one warning per task.
const logDriversDropped = "log drivers are not converted: containers log to stdout/stderr and a cluster-level collector " +
	"(Fluent Bit DaemonSet, CloudWatch Container Insights) ships them (one warning for every container of the task)"

// lookupRule finds the rule of canon or of its nearest parent.
func lookupRule(table map[string]ecsRule, canon string) ecsRule {
	for p := canon; p != ""; p = ecsParent(p) {
		if r, ok := table[p]; ok {
			return r
		}
	}
	return nil
}

// ecsParent strips the last segment of a canonical path (and a trailing "[]").
func ecsParent(p string) string {
	if q, ok := strings.CutSuffix(p, "[]"); ok {
		return q
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// ecsRule decides what became of a passive field of svc (nil for service-file fields):
// outcome, reason, and for Mapped/Partial the target.
type ecsRule func(b *builder, svc *model.Service) (diag.Outcome, string, string)

func fixed(o diag.Outcome, reason string) ecsRule {
	return func(*builder, *model.Service) (diag.Outcome, string, string) { return o, reason, "" }
}

func mappedTo(target string) ecsRule {
	return func(*builder, *model.Service) (diag.Outcome, string, string) { return diag.Mapped, "", target }
}

// ecsPassive is the table of ECS fields that need nothing, cannot be expressed, or are
// consumed by a decision rather than copied, keyed by canonical path.
func ecsPassive() map[string]ecsRule {
	readOnly := fixed(diag.Ignored, "read-only field of describe-task-definition output")
	logs := fixed(diag.Dropped, logDriversDropped)
	t := map[string]ecsRule{
		"family":                                mappedTo("object names and the app.kubernetes.io/name label"),
		"containerDefinitions[].name":           mappedTo("containers[].name (DNS-1123 sanitized)"),
		"taskDefinitionArn":                     readOnly,
		"revision":                              mappedTo("app.kubernetes.io/version label"),
		"status":                                readOnly,
		"requiresAttributes":                    readOnly,
		"compatibilities":                       readOnly,
		"registeredAt":                          readOnly,
		"registeredBy":                          readOnly,
		"deregisteredAt":                        readOnly,
		"networkMode":                           networkModeRule,
		"requiresCompatibilities":               fixed(diag.Ignored, "launch types: pods run on any node; what EKS Fargate forbids is reported separately"),
		"placementConstraints":                  fixed(diag.Dropped, "placement constraints are not translated: express them as nodeSelector or affinity"),
		"proxyConfiguration":                    fixed(diag.Dropped, "App Mesh proxy configuration is not converted: use a service mesh's sidecar injection"),
		"inferenceAccelerators":                 fixed(diag.Dropped, "Elastic Inference accelerators have no Kubernetes equivalent"),
		"ephemeralStorage":                      fixed(diag.Dropped, "task ephemeral storage is not converted: set resources ephemeral-storage if the pod needs more than the node's default"),
		"enableFaultInjection":                  fixed(diag.Dropped, "ECS fault injection has no Kubernetes equivalent"),
		"ipcMode":                               fixed(diag.Ignored, "containers of a pod share the IPC namespace (ipcMode task)"),
		"pidMode":                               pidModeRule,
		"cpu":                                   taskResourceRule,
		"memory":                                taskResourceRule,
		"runtimePlatform.operatingSystemFamily": platformRule,
		"runtimePlatform.cpuArchitecture":       platformRule,
		"containerDefinitions[].logConfiguration":                     logs,
		"containerDefinitions[].logConfiguration.logDriver":           logs,
		"containerDefinitions[].logConfiguration.options":             fixed(diag.Dropped, "options of the log driver, which is not converted (see the warning)"),
		"containerDefinitions[].logConfiguration.secretOptions":       fixed(diag.Dropped, "log driver secret options are not converted (the references were not read)"),
		"containerDefinitions[].firelensConfiguration.type":           fixed(diag.Partial, "FireLens: the log router runs as a container of the pod, but nothing routes the other containers' logs to it; ship logs with a cluster-level Fluent Bit"),
		"containerDefinitions[].firelensConfiguration.options":        fixed(diag.Dropped, "FireLens options are not converted: configure the cluster's log collector instead (see the warning)"),
		"containerDefinitions[].startTimeout":                         fixed(diag.Dropped, "Kubernetes waits for init containers and startup probes without an overall timeout"),
		"containerDefinitions[].disableNetworking":                    fixed(diag.Dropped, "containers of a pod cannot be cut off the pod network"),
		"containerDefinitions[].dockerSecurityOptions":                fixed(diag.Dropped, "Docker security options are not converted: set securityContext (seccompProfile, appArmorProfile, seLinuxOptions)"),
		"containerDefinitions[].credentialSpecs":                      fixed(diag.Dropped, "gMSA credential specs are not converted: set securityContext.windowsOptions.gmsaCredentialSpecName"),
		"containerDefinitions[].versionConsistency":                   fixed(diag.Ignored, "Kubernetes resolves the tag at pull time; pin a digest for the same guarantee"),
		"containerDefinitions[].restartPolicy.enabled":                fixed(diag.Partial, "Kubernetes restarts the containers of a long-running pod in place"),
		"containerDefinitions[].restartPolicy.ignoredExitCodes":       fixed(diag.Dropped, "restart exit-code filters have no Kubernetes equivalent"),
		"containerDefinitions[].restartPolicy.restartAttemptPeriod":   fixed(diag.Dropped, "the kubelet restarts with its own back-off"),
		"containerDefinitions[].linuxParameters.devices":              fixed(diag.Dropped, "host devices need a device plugin (or a privileged container with a hostPath); not converted"),
		"containerDefinitions[].linuxParameters.maxSwap":              fixed(diag.Dropped, "swap is a node setting in Kubernetes"),
		"containerDefinitions[].linuxParameters.swappiness":           fixed(diag.Dropped, "swap is a node setting in Kubernetes"),
		"containerDefinitions[].linuxParameters.tmpfs[].mountOptions": fixed(diag.Partial, "\"ro\" is kept as the mount's readOnly; other tmpfs mount options (noexec, nosuid, mode=...) have no emptyDir equivalent"),
		"containerDefinitions[].portMappings[].hostPort":              hostPortRule,
		"containerDefinitions[].portMappings[].containerPortRange":    fixed(diag.Dropped, "port ranges have no Kubernetes equivalent"),
		"containerDefinitions[].cpu":                                  mappedTo("containers[].resources.requests.cpu"),
		"containerDefinitions[].memory":                               mappedTo("containers[].resources.limits.memory"),
		"containerDefinitions[].memoryReservation":                    mappedTo("containers[].resources.requests.memory"),
		"containerDefinitions[].resourceRequirements[].type":          mappedTo("containers[].resources.limits[nvidia.com/gpu]"),
		"containerDefinitions[].resourceRequirements[].value":         mappedTo("containers[].resources.limits[nvidia.com/gpu]"),
		"containerDefinitions[].essential":                            fixed(diag.Ignored, "see dependsOn and the container layout: essential containers are the pod's containers"),
		"containerDefinitions[].links":                                fixed(diag.Ignored, "containers of a pod share localhost; the link names resolve through hostAliases"),
		"services[].serviceName":                                      fixed(diag.Ignored, "identifies the ECS service; the Kubernetes objects are named after the task family"),
		"services[].taskDefinition":                                   fixed(diag.Ignored, "selects the task definition this service runs"),
		"services[].loadBalancers[].targetGroupArn":                   fixed(diag.Ignored, "the load balancer is replaced by the Service/Ingress exposure"),
		"services[].loadBalancers[].loadBalancerName":                 fixed(diag.Ignored, "the load balancer is replaced by the Service/Ingress exposure"),
		"services[].loadBalancers[].containerName":                    mappedTo("published container port (Service/Ingress exposure)"),
		"services[].loadBalancers[].containerPort":                    mappedTo("published container port (Service/Ingress exposure)"),
		"services[].serviceRegistries[].registryArn":                  fixed(diag.Dropped, "Cloud Map registries are not converted: clients use the Kubernetes Service name"),
		"services[].serviceRegistries[].containerName":                fixed(diag.Dropped, "Cloud Map registries are not converted: clients use the Kubernetes Service name"),
		"services[].serviceRegistries[].containerPort":                fixed(diag.Dropped, "Cloud Map registries are not converted: clients use the Kubernetes Service name"),
		"services[].deploymentController.type":                        fixed(diag.Partial, "blue/green and external deployment controllers are replaced by a rolling update"),
	}
	// Reached only when no rule consumed the field: false booleans (true ones are converted),
	// and entries the loader merged or dropped with a warning.
	for _, k := range []string{"privileged", "readonlyRootFilesystem", "interactive", "pseudoTerminal", "linuxParameters.initProcessEnabled", "essential"} {
		if _, ok := t["containerDefinitions[]."+k]; !ok {
			t["containerDefinitions[]."+k] = fixed(diag.Ignored, "false: Kubernetes' default")
		}
	}
	t["containerDefinitions[].extraHosts"] = mappedTo("spec.template.spec.hostAliases (grouped by IP)")
	t["containerDefinitions[].dockerLabels"] = mappedTo("pod annotations (merged across containers; conflicts were reported)")
	t["containerDefinitions[].systemControls"] = fixed(diag.Dropped, "a pod has one value per sysctl: another container's value was kept (see the warning)")
	t["containerDefinitions[].hostname"] = fixed(diag.Dropped, "a pod has one hostname: another container's was kept (see the warning)")
	t["containerDefinitions[].portMappings"] = fixed(diag.Dropped, "duplicate port mapping (see the warning)")
	t["containerDefinitions[].environment"] = fixed(diag.Dropped, "replaced by a later variable of the same name (see the warning)")
	t["containerDefinitions[].secrets"] = fixed(diag.Dropped, "replaced by a later variable of the same name (see the warning)")
	t["tags"] = mappedTo("pod annotations")
	t["executionRoleArn"] = fixed(diag.Ignored, "the execution role pulled images and shipped logs for ECS: on EKS the node role pulls from ECR (or imagePullSecrets do), and no secret is read (the task has none)")
	t["services[].desiredCount"] = mappedTo("spec.replicas")
	for _, k := range []string{"enabled", "services[].portName", "services[].discoveryName", "services[].clientAliases[].port", "services[].clientAliases[].dnsName"} {
		t["services[].deployments[].serviceConnectConfiguration."+k] = mappedTo("Services named after the Service Connect names")
		t["services[].serviceConnectConfiguration."+k] = mappedTo("Services named after the Service Connect names")
	}
	for _, k := range []string{"maximumPercent", "minimumHealthyPercent"} {
		t["services[].deploymentConfiguration."+k] = mappedTo("Deployment spec.strategy.rollingUpdate")
	}
	// EventBridge schedules and rules (--ecs-schedule).
	t["ScheduleExpression"] = mappedTo("CronJob spec.schedule")
	t["ScheduleExpressionTimezone"] = fixed(diag.Dropped, "time zones are not converted (see the warning)")
	t["State"] = fixed(diag.Ignored, "the CronJob runs unless applied with berth apply --suspend-cronjobs")
	t["Name"] = fixed(diag.Ignored, "the CronJob is named after the task definition's family")
	for _, p := range []string{"Target", "Targets[]"} {
		t[p+".EcsParameters.TaskDefinitionArn"] = mappedTo("the CronJob's job template (this task definition)")
		// A TaskCount above 1 is the job's replicas (accounted by the Job rule).
		t[p+".EcsParameters.TaskCount"] = fixed(diag.Ignored, "one task per run: one Job pod, Kubernetes' default")
	}
	// A single service object (create-service input or describe-services' "service").
	for k, v := range t {
		if rest, ok := strings.CutPrefix(k, "services[]."); ok {
			t["service."+rest] = v
			t[rest] = v
		}
	}
	return t
}

func networkModeRule(b *builder, svc *model.Service) (diag.Outcome, string, string) {
	if svc != nil && svc.NetworkMode == "host" {
		return diag.Mapped, "", "spec.template.spec.hostNetwork"
	}
	if svc != nil && svc.NetworkMode == "none" {
		return diag.Dropped, "networkMode none: a pod always has a network namespace", ""
	}
	return diag.Ignored, "each pod has its own IP address, like an awsvpc task's ENI; containers reach each other on localhost", ""
}

func pidModeRule(b *builder, svc *model.Service) (diag.Outcome, string, string) {
	if svc != nil && svc.PID == "host" {
		return diag.Dropped, "pidMode host: berth does not share the node's PID namespace", ""
	}
	return diag.Mapped, "", "spec.template.spec.shareProcessNamespace"
}

func hostPortRule(b *builder, svc *model.Service) (diag.Outcome, string, string) {
	if svc != nil && svc.NetworkMode == "host" {
		return diag.Mapped, "", "containers[].ports[].hostPort"
	}
	return diag.Ignored, "a pod has its own IP: the container port is reached directly (the Service port is the containerPort)", ""
}

func platformRule(b *builder, svc *model.Service) (diag.Outcome, string, string) {
	if svc == nil || svc.Platform == "" {
		return diag.Ignored, "Linux on any CPU architecture: no node selection needed", ""
	}
	return diag.Mapped, "", "spec.template.spec.nodeSelector"
}

// taskResourceRule: the loader merged task cpu/memory into the containers (docs/ecs.md, task
// size). One container holds the whole task; with several, each is bounded by the task size
// but Kubernetes has no pod-wide limit for their sum.
func taskResourceRule(b *builder, svc *model.Service) (diag.Outcome, string, string) {
	if svc != nil && len(svc.Containers) == 1 {
		return diag.Mapped, "", "containers[0].resources (limits; requests where the container sets none)"
	}
	return diag.Partial, "the task size bounds each container (its limit) and is shared as requests by the containers that reserve none; Kubernetes has no pod-wide limit, so together the containers may use more than the task did", "containers[].resources"
}

// elementOf is path up to its last list index ("a[0].b[1].c" → "a[0].b[1]"), or path itself.
func elementOf(path string) string {
	if i := strings.LastIndexByte(path, ']'); i >= 0 {
		return path[:i+1]
	}
	return path
}
