package model

// ServiceOptions are the per-service Kubernetes intents from `x-berth` (see docs/usage.md for the
// reference). Zero values mean "berth decides".
type ServiceOptions struct {
	// Kind forces the workload kind.
	Kind Kind `json:"kind,omitempty"`
	// Ports adds listening ports the input does not declare.
	Ports []int32 `json:"ports,omitempty"`
	// Expose: ingress | loadbalancer | nodeport | none.
	Expose string `json:"expose,omitempty"`
	// Host is the public host name for ingress (default <service>.<domain>).
	Host string `json:"host,omitempty"`
	// Path is the ingress path (default /).
	Path string `json:"path,omitempty"`
	// HealthPath is the HTTP path used for load balancer health checks.
	HealthPath string `json:"healthPath,omitempty"`
	// SecretEnv lists environment variables to put in a Secret even if their names look harmless.
	SecretEnv []string `json:"secretEnv,omitempty"`
	// PlainEnv lists variables that look secret by name but are not (kept in the ConfigMap).
	PlainEnv []string `json:"plainEnv,omitempty"`
	// ConfigEnv is PlainEnv under the name that pairs with SecretEnv.
	ConfigEnv []string `json:"configEnv,omitempty"`
	// HostPaths lists bind-mount sources allowed to become hostPath volumes.
	HostPaths []string `json:"hostPaths,omitempty"`
	// Schedule makes the service a CronJob with this cron schedule.
	Schedule string `json:"schedule,omitempty"`
	// Autoscale adds a HorizontalPodAutoscaler.
	Autoscale *Autoscale `json:"autoscale,omitempty"`
	// Annotations are added to the pod template.
	Annotations map[string]string `json:"annotations,omitempty"`
	// ServiceAnnotations are added to the Service object.
	ServiceAnnotations map[string]string `json:"serviceAnnotations,omitempty"`
	// ServiceAccount names an existing ServiceAccount for the pods.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// NodeSelector is added to the pod spec.
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
}

// Autoscale is a HorizontalPodAutoscaler request.
type Autoscale struct {
	Min int32 `json:"min,omitempty"`
	Max int32 `json:"max"`
	// CPU is the target average CPU utilisation in percent.
	CPU int32 `json:"cpu,omitempty"`
	// Memory is the target average memory utilisation in percent.
	Memory int32 `json:"memory,omitempty"`
}

// VolumeOptions are per-volume x-berth settings (top-level volumes.<name>.x-berth or
// x-berth.volumes.<name>).
type VolumeOptions struct {
	Size         string `json:"size,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	AccessMode   string `json:"accessMode,omitempty"`
}

// AppOptions are project-wide x-berth settings; flags override them.
type AppOptions struct {
	Namespace     string `json:"namespace,omitempty"`
	Domain        string `json:"domain,omitempty"`
	Expose        string `json:"expose,omitempty"`
	IngressClass  string `json:"ingressClass,omitempty"`
	TLSSecret     string `json:"tlsSecret,omitempty"`
	ClusterIssuer string `json:"clusterIssuer,omitempty"`
	// Routing is how public HTTP services are routed: "ingress" (Ingresses) or "gateway"
	// (one Gateway API Gateway and an HTTPRoute per service).
	Routing string `json:"routing,omitempty"`
	// GatewayClass is the gatewayClassName of the Gateway (routing gateway).
	GatewayClass string `json:"gatewayClass,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
	VolumeSize   string `json:"volumeSize,omitempty"`
	WaitImage    string `json:"waitImage,omitempty"`
	// NetworkPolicies turns on NetworkPolicies reproducing the Compose networks' isolation
	// (flag --network-policies); nil = off.
	NetworkPolicies *bool `json:"networkPolicies,omitempty"`
	// IngressNamespace is the namespace of the ingress controller whose pods may reach public
	// HTTP services under the NetworkPolicies (--ingress-namespace).
	IngressNamespace string                   `json:"ingressNamespace,omitempty"`
	Volumes          map[string]VolumeOptions `json:"volumes,omitempty"`
}
