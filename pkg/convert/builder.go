package convert

import (
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// builder carries one conversion's state. Each concern adds its objects through emit and
// records its accounting in ledger.
type builder struct {
	app    *model.App
	opts   Options
	ns     string
	ledger *diag.Ledger
	objs   []Object
	// names maps service names to their sanitized object names (see names.go).
	names map[string]string
	// extra holds derived object names (web-headless, web-public), see extraName.
	extra map[string]string
	// plans are the per-service decisions made before building (see workload.go).
	plans map[string]*plan
	// waitRBAC: some pod waits for a Job through the API (see wait.go).
	waitRBAC bool
	// waitRollouts: some pod waits for a workload's rollout through the API (see wait.go).
	waitRollouts bool
	// index holds lookups by name, built once (see names.go): the model's App.Service and
	// App.Volume scan linearly, which would make big apps quadratic.
	index index
	// refs are the ports other values connect to each service on (refs.go).
	refs map[string][]portRef
	// conn is the connection audit (connections.go).
	conn *connState
	// sharers are the services that became containers of another's pod (netshare.go).
	sharers []sharer
	// envRenamed says, per environment field, which names rewriteEnv replaced (rewrite.go).
	envRenamed map[string]string
	// portless lists who relies on each service without a known port (portless.go).
	portless map[string][]portlessUse
	// kept are the missing-source binds and data-store anonymous volumes that became volumes
	// of the app (persist.go).
	kept []keptState
	// httpHostPorts are the host ports the app's variables name in http:// or ws:// URLs on
	// localhost (publicurl.go), built on first use.
	httpHostPorts map[int32]bool
	// urlRefs are the loopback URL ports the app's variables name (publicurl.go), scanned once.
	urlRefs     []localURLRef
	urlRefsDone bool
	// images is the well-known image table (images.go), built on first use.
	images map[string]imageInfo
	// setImages are the images Options set per service (builtimage.go).
	setImages map[string]string
	// ecs collects what the ECS concerns emit at the end (see ecs_objects.go).
	ecs ecsState
	// cfg is the config/storage concern's state (config.go).
	cfg *configState
	// sec holds the app's secret values and where they are used (secrets.go).
	sec *secretState
	// net is the network membership under --network-policies (netpol.go); nil when off.
	net *netState
	// gw collects the HTTPRoutes of --routing gateway (gateway.go).
	gw gatewayState
	// prov are the provider services' plans by name (provided.go).
	prov map[string]*providerPlan
	// jobsSeen are the further schedules of Compose jobs already reported (jobs.go).
	jobsSeen map[string]bool
}

// Convert turns app into Kubernetes objects. It returns a *diag.Err for input that cannot be
// converted; lossy input becomes warnings in the result.
func Convert(app *model.App, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	b := &builder{app: app, opts: opts.withDefaults(app), ledger: diag.NewLedger(app.Inputs)}
	b.app, b.sharers = foldSharers(app)
	b.app, b.kept = b.keepState(b.app)
	b.ns = b.opts.Namespace
	if err := b.run(); err != nil {
		return nil, err
	}
	Sort(b.objs)
	diags := append(append(diag.List(nil), app.Diagnostics...), b.ledger.Diagnostics()...)
	return &Result{
		Objects:     b.objs,
		Diagnostics: diags.Sorted(),
		Accounts:    b.ledger.Account(app.Inputs),
		Provider:    b.opts.Provider,
		Connections: b.connections(),
		Images:      b.imageList(),
		Provisions:  b.provisions(),
		App:         b.app,
	}, nil
}

// withDefaults fills empty options from the app's x-berth settings and berth's defaults.
func (o Options) withDefaults(app *model.App) Options {
	pick := func(flag, ext, def string) string {
		if flag != "" {
			return flag
		}
		if ext != "" {
			return ext
		}
		return def
	}
	x := app.Options
	o.Namespace = pick(o.Namespace, x.Namespace, app.Name)
	o.Expose = pick(o.Expose, x.Expose, ExposeAuto)
	o.Domain = pick(o.Domain, x.Domain, "")
	o.IngressClass = pick(o.IngressClass, x.IngressClass, "")
	o.TLSSecret = pick(o.TLSSecret, x.TLSSecret, "")
	o.ClusterIssuer = pick(o.ClusterIssuer, x.ClusterIssuer, "")
	o.Routing = pick(o.Routing, x.Routing, RoutingIngress)
	o.Provider = pick(o.Provider, "", ProviderGeneric)
	o.GatewayClass = pick(o.GatewayClass, x.GatewayClass, "")
	o.VolumeSize = pick(o.VolumeSize, x.VolumeSize, DefaultVolumeSize)
	o.StorageClass = pick(o.StorageClass, x.StorageClass, "")
	o.WaitImage = pick(o.WaitImage, x.WaitImage, DefaultWaitImage)
	// Gateway proxies run beside the Gateway (GEP-1762) or in their controller's namespace,
	// which differs per implementation: no default namespace then
	ingressNS := DefaultIngressNamespace
	if o.Routing == RoutingGateway {
		ingressNS = ""
	}
	o.IngressNamespace = pick(o.IngressNamespace, x.IngressNamespace, ingressNS)
	if o.NetworkPolicies == nil {
		o.NetworkPolicies = x.NetworkPolicies
	}
	return o
}

func (b *builder) emit(o Object) { b.objs = append(b.objs, o) }

// run is the conversion sequence, read top to bottom.
func (b *builder) run() error {
	b.namespace()
	b.assignNames()
	b.extra = map[string]string{}
	var err error
	if b.setImages, err = b.builtImages(); err != nil {
		return err
	}
	if err := b.checkCycles(); err != nil {
		return err
	}
	b.rewriteEnv()
	if err := b.planAll(); err != nil {
		return err
	}
	b.planNetworks()
	for _, svc := range b.app.Services {
		if err := b.service(svc); err != nil {
			return err
		}
	}
	b.keptWarnings()
	b.sharerWarnings()
	b.portlessWarnings()
	b.keepDataPrivate()
	if err := b.exposure(); err != nil {
		return err
	}
	b.publicURLWarnings()
	b.openStoreWarning()
	b.waitAccess()
	b.networkPolicies()
	b.accountApp()
	b.providerObjects()
	b.modelServers()
	if err := b.appObjects(); err != nil {
		return err
	}
	b.ecsObjects()
	b.production()
	return nil
}

func (b *builder) namespace() {
	b.emit(&corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: b.ns, Labels: Labels(b.app.Name, "")},
	})
}

// service converts one service into its workload and the objects around it.
func (b *builder) service(svc *model.Service) error {
	pl := b.plans[svc.Name]
	p, err := b.podTemplate(pl)
	if err != nil {
		return err
	}
	if err := b.workload(pl, p); err != nil {
		return err
	}
	b.preStartOnce(pl, p)
	b.services(pl)
	b.autoscale(pl, p)
	return nil
}
