package convert

import "github.com/berth-dev/berth/pkg/model"

// Expose modes for public services (the values and their check live in package model).
const (
	ExposeAuto         = ""
	ExposeIngress      = model.ExposeIngress
	ExposeLoadBalancer = model.ExposeLoadBalancer
	ExposeNodePort     = model.ExposeNodePort
	ExposeNone         = model.ExposeNone
)

// Options are the conversion settings; the CLI fills them from flags, x-berth supplies
// defaults for what flags leave empty (see Options.withDefaults), and Validate checks them.
type Options struct {
	// Namespace of every namespaced object; default is the app name.
	Namespace string
	// Expose is how services with published ports are exposed (ExposeAuto: ingress for HTTP
	// ports, loadbalancer otherwise).
	Expose string
	// Domain gives each public HTTP service the host <service>.<Domain>.
	Domain string
	// IngressClass is the ingressClassName of generated Ingresses ("" = cluster default).
	IngressClass string
	// TLSSecret names a TLS Secret for the Ingress hosts ("" = no TLS section unless
	// ClusterIssuer is set, then <app>-tls).
	TLSSecret string
	// ClusterIssuer adds the cert-manager cluster-issuer annotation.
	ClusterIssuer string
	// Routing is how public HTTP services are routed: RoutingIngress (default, Ingresses) or
	// RoutingGateway (a Gateway API Gateway and HTTPRoutes, gateway.go).
	Routing string
	// GatewayClass is the Gateway's gatewayClassName (routing gateway; default AWSGatewayClass
	// with --provider aws, required otherwise).
	GatewayClass string
	// VolumeSize is the default PVC size (default 1Gi).
	VolumeSize string
	// StorageClass is the PVC storageClassName ("" = cluster default).
	StorageClass string
	// WaitImage runs the init containers that wait for dependencies.
	WaitImage string
	// JobWaitImage runs `kubectl wait` for dependencies that must complete: an image whose
	// entrypoint is kubectl (default: KubectlImage(KubeVersion); rancher/kubectl works too).
	JobWaitImage string
	// KubeVersion is the Kubernetes minor the output targets ("1.33"; "" = the newest berth
	// knows): it picks the kubectl image of the Job waits, within kubectl's one-minor skew.
	KubeVersion string
	// Secrets is how externally stored variables (ECS secrets) reach their Secret:
	// SecretsExternal (default, External Secrets Operator) or SecretsPlaceholder.
	Secrets string
	// Replicas overrides the replica count of services that do not set one (0 = 1).
	Replicas int32
	// Harden applies the Pod Security restricted profile where the input does not contradict
	// it (see harden.go).
	Harden bool
	// Provider is ProviderGeneric ("" too) or ProviderAWS (aws.go).
	Provider string
	// TLSCertARN is the ACM certificate of AWS load balancers (provider aws).
	TLSCertARN string
	// SourceRanges are the CIDRs allowed to reach public load balancers (provider aws).
	SourceRanges []string
	// NetworkPolicies: emit NetworkPolicies reproducing the Compose networks' isolation (see
	// netpol.go); nil = x-berth.networkPolicies, else off.
	NetworkPolicies *bool
	// IngressNamespace is the ingress controller's namespace, allowed to reach public HTTP
	// ports under the NetworkPolicies (default DefaultIngressNamespace).
	IngressNamespace string
	// Registry is where the images berth builds live: a service with a build section runs
	// model.BuiltImage(Registry, service, Tag) (images.go, builtimage.go). Empty: the image
	// Compose names, or <project>-<service> with a warning for a build-only service.
	Registry string
	// Tag of the built images; needed with Registry (the CLI defaults it with
	// imageref.DefaultTag).
	Tag string
	// Images set single services' images, as "SERVICE=REF" (--image), over Registry and
	// the input (berth apply --build pins the images it built this way, by digest).
	Images []string
}

// DefaultWaitImage is the image of dependency-wait init containers: small, has sh and nc/wget.
const DefaultWaitImage = "busybox:1.36"

// DefaultVolumeSize is the PVC size when neither flags nor x-berth say.
const DefaultVolumeSize = "1Gi"
