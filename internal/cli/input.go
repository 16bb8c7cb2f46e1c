package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/imageref"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/load/ecs"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/spf13/pflag"
)

// ConvertFlags are the input and conversion flags shared by every command that loads and
// converts an app (convert, apply, diff): bind them, Validate, then Run.
type ConvertFlags struct {
	// Compose input, with docker compose's flag names.
	Files       []string
	EnvFiles    []string
	Profiles    []string
	ProjectName string
	ProjectDir  string
	// ECS input.
	ECSFiles        []string
	ECSServiceFiles []string
	ECSSchedules    []string
	Family          string
	// Options are the conversion settings.
	Options convert.Options
	// Environ is the process environment (COMPOSE_FILE, COMPOSE_PROFILES, interpolation).
	Environ []string
}

// Bind registers the flags on fs.
func (f *ConvertFlags) Bind(fs *pflag.FlagSet) {
	f.BindCompose(fs)
	fs.StringArrayVar(&f.ECSFiles, "ecs", nil, "ECS task definition file (repeatable)")
	fs.StringArrayVar(&f.ECSServiceFiles, "ecs-service", nil, "ECS describe-services output for replicas, rollout and load balancers (repeatable)")
	fs.StringArrayVar(&f.ECSSchedules, "ecs-schedule", nil, "EventBridge schedule (aws scheduler get-schedule) or rule with its Targets that runs a task definition: it becomes a CronJob (repeatable)")
	fs.StringVar(&f.Family, "family", "", "ECS family for a Terraform container_definitions array")
	fs.StringVar(&f.Options.Secrets, "secrets", convert.SecretsExternal, "how ECS secrets reach the pods: external (External Secrets Operator ExternalSecrets) or placeholder (Secrets with empty values to fill in)")
	o := &f.Options
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "namespace of the objects (default: x-berth.namespace or the project name)")
	fs.StringVar(&o.Expose, "expose", "", "how services with published ports are reached: ingress|loadbalancer|nodeport|none (default: ingress for HTTP, loadbalancer otherwise)")
	fs.StringVar(&o.Domain, "domain", "", "domain for public HTTP services: host <service>.<domain>")
	fs.StringVar(&o.IngressClass, "ingress-class", "", "ingressClassName of generated Ingresses (default: the cluster's)")
	fs.StringVar(&o.TLSSecret, "tls-secret", "", "TLS Secret for Ingress hosts")
	fs.StringVar(&o.ClusterIssuer, "cluster-issuer", "", "cert-manager ClusterIssuer for Ingress or Gateway TLS certificates")
	fs.StringVar(&o.Routing, "routing", "", "how public HTTP services are routed: ingress (Ingresses) or gateway (a Gateway API Gateway and HTTPRoutes) (default: x-berth.routing or ingress)")
	fs.StringVar(&o.GatewayClass, "gateway-class", "", "gatewayClassName of the Gateway with --routing gateway (default with --provider aws: "+convert.AWSGatewayClass+"; required otherwise)")
	fs.StringVar(&o.VolumeSize, "volume-size", "", "default PersistentVolumeClaim size (default "+convert.DefaultVolumeSize+")")
	fs.StringVar(&o.StorageClass, "storage-class", "", "storageClassName of PersistentVolumeClaims (default: the cluster's; --provider aws: gp3, efs-sc for ReadWriteMany)")
	fs.StringVar(&o.WaitImage, "wait-image", "", "image of the init containers that wait for dependencies (default "+convert.DefaultWaitImage+")")
	fs.StringVar(&o.JobWaitImage, "job-wait-image", "", "image whose entrypoint is kubectl, to wait for Jobs to complete (default "+convert.DefaultJobWaitImage+")")
	fs.Int32Var(&o.Replicas, "replicas", 0, "replicas of services that do not set any (default 1)")
	fs.StringVar(&o.Provider, "provider", "generic", "cloud provider of public load balancers and Ingresses: generic or aws")
	fs.StringVar(&o.TLSCertARN, "tls-cert-arn", "", "ACM certificate ARN: AWS load balancers terminate TLS on 443 (--provider aws)")
	fs.StringSliceVar(&o.SourceRanges, "source-ranges", nil, "CIDRs allowed to reach public load balancers (--provider aws; comma-separated or repeated)")
	fs.Var(&optionalBool{&o.NetworkPolicies}, "network-policies", "emit NetworkPolicies reproducing the isolation of the Compose networks (default: x-berth.networkPolicies, else off; needs a network plugin that enforces them)")
	fs.Lookup("network-policies").NoOptDefVal = "true"
	fs.StringVar(&o.IngressNamespace, "ingress-namespace", "", "namespace of the ingress controller (or of the Gateway's proxies) allowed to reach public HTTP ports under --network-policies (default "+convert.DefaultIngressNamespace+"; with --routing gateway none: the Gateway's own proxy pods are allowed)")
	fs.StringVar(&o.Registry, "registry", "", "registry of the images built from build sections: each such service runs REGISTRY/<service>:<tag> (see berth build)")
	fs.StringVar(&o.Tag, "tag", "", "tag of the images built from build sections, with --registry (default: the short git commit of the project, -dirty for a changed work tree; else sha- and a digest of the build inputs)")
	fs.StringArrayVar(&o.Images, "image", nil, "SERVICE=IMAGE: run IMAGE for SERVICE, whatever its image or build section says (repeatable)")
	fs.BoolVar(&o.Harden, "harden", false, "apply the Pod Security restricted profile where the input allows (drop ALL capabilities, no privilege escalation, seccomp RuntimeDefault, runAsNonRoot for numeric non-root users)")
}

// BindCompose registers only the Compose input flags (docker compose's names), for commands
// that read a Compose project without converting it (berth build).
func (f *ConvertFlags) BindCompose(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.Files, "file", "f", nil, "Compose file (repeatable; default: COMPOSE_FILE or compose.yaml and its override); .json files are read as ECS task definitions")
	fs.StringArrayVar(&f.EnvFiles, "env-file", nil, "environment file for interpolation (repeatable; default: the project's .env)")
	fs.StringArrayVar(&f.Profiles, "profile", nil, "Compose profile to enable (repeatable; default: COMPOSE_PROFILES)")
	fs.StringVarP(&f.ProjectName, "project-name", "p", "", "project name (default: COMPOSE_PROJECT_NAME, the file's name: or the directory name)")
	fs.StringVar(&f.ProjectDir, "project-directory", "", "project directory (default: the first file's directory)")
}

// Validate checks the flags before anything is read: the option values with
// convert.Options.Validate (the one place each value is checked), named as flags here, and
// which input flags go together.
func (f *ConvertFlags) Validate() error {
	opts := f.Options
	if opts.Registry != "" && opts.Tag == "" {
		opts.Tag = "default" // DefaultTag fills it once the project is loaded
	}
	if err := opts.Validate(); err != nil {
		var oe *convert.OptionError
		if errors.As(err, &oe) {
			return fmt.Errorf("--%s %q: %w", oe.Option, oe.Value, oe.Err)
		}
		if errors.Is(err, convert.ErrAWSOnly) {
			return errors.New("--tls-cert-arn and --source-ranges need --provider aws")
		}
		return err
	}
	if len(f.ECSFiles) > 0 && len(f.Files) > 0 {
		return errors.New("-f and --ecs cannot be combined: convert either a Compose project or ECS task definitions")
	}
	if len(f.ECSServiceFiles) > 0 && !f.IsECS() {
		return errors.New("--ecs-service needs ECS task definitions (--ecs FILE)")
	}
	if len(f.ECSSchedules) > 0 && !f.IsECS() {
		return errors.New("--ecs-schedule needs ECS task definitions (--ecs FILE)")
	}
	if f.IsECS() && (len(f.EnvFiles) > 0 || len(f.Profiles) > 0) {
		return errors.New("--env-file and --profile apply to Compose files, not to ECS task definitions")
	}
	return nil
}

// IsECS reports whether the input is ECS task definitions: --ecs, or -f naming only .json files.
func (f *ConvertFlags) IsECS() bool {
	if len(f.ECSFiles) > 0 {
		return true
	}
	if len(f.Files) == 0 {
		return false
	}
	for _, p := range f.Files {
		if !strings.EqualFold(filepath.Ext(p), ".json") {
			return false
		}
	}
	return true
}

// Load reads the input into the model.
func (f *ConvertFlags) Load(ctx context.Context) (*model.App, error) {
	if f.IsECS() {
		files := f.ECSFiles
		if len(files) == 0 {
			files = f.Files
		}
		return ecs.Load(ecs.Options{
			Files: files, ServiceFiles: f.ECSServiceFiles, ScheduleFiles: f.ECSSchedules, Family: f.Family,
			Name: f.ProjectName, Dir: f.ProjectDir,
		})
	}
	return compose.Load(ctx, compose.Options{
		Files: f.Files, WorkingDir: f.ProjectDir, EnvFiles: f.EnvFiles, Profiles: f.Profiles,
		ProjectName: f.ProjectName, Environ: f.Environ,
	})
}

// Run validates, loads and converts. Errors are user errors naming file, position and field.
func (f *ConvertFlags) Run(ctx context.Context) (*convert.Result, *model.App, error) {
	if err := f.Validate(); err != nil {
		return nil, nil, err
	}
	app, err := f.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	opts := f.Options
	if opts.Registry != "" && opts.Tag == "" {
		if opts.Tag, err = imageref.DefaultTag(ctx, app); err != nil {
			return nil, app, fmt.Errorf("the default image tag: %w (give --tag)", err)
		}
	}
	res, err := convert.Convert(app, opts)
	if err != nil {
		var oe *convert.OptionError
		if errors.As(err, &oe) {
			return nil, app, fmt.Errorf("--%s %q: %w", oe.Option, oe.Value, oe.Err)
		}
		return nil, app, err
	}
	return res, app, nil
}

// optionalBool is a boolean flag that remembers whether it was given: nil means "not given",
// so x-berth supplies the default, and --flag=false can still switch an x-berth true off.
type optionalBool struct{ p **bool }

func (b *optionalBool) String() string {
	if b.p == nil || *b.p == nil {
		return "false"
	}
	return strconv.FormatBool(**b.p)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*b.p = &v
	return nil
}

func (b *optionalBool) Type() string { return "bool" }

// IsBoolFlag lets the flag be given without a value.
func (b *optionalBool) IsBoolFlag() bool { return true }
