package convert

import (
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/utils/ptr"
)

// Providers (Options.Provider).
const (
	ProviderGeneric = model.ProviderGeneric
	ProviderAWS     = model.ProviderAWS
)

// Annotations of the AWS Load Balancer Controller (Ingress) and of AWS LoadBalancer Services
// (in-tree names, which the controller honours too).
const (
	albPrefix = "alb.ingress.kubernetes.io/"
	nlbPrefix = "service.beta.kubernetes.io/aws-load-balancer-"
)

// aws exposes services through AWS load balancers: Ingresses for the ALB controller, all of
// one app sharing one ALB (group name), and LoadBalancer Services terminating TLS on 443.
type aws struct {
	b *builder
}

func (p aws) ingress(pl *plan, ing *networkingv1.Ingress) {
	o := p.b.opts
	if o.IngressClass == "" {
		ing.Spec.IngressClassName = ptr.To("alb")
	}
	a := map[string]string{
		albPrefix + "scheme":      "internet-facing",
		albPrefix + "target-type": "ip",
		albPrefix + "group.name":  p.b.ns,
	}
	if o.TLSCertARN != "" {
		a[albPrefix+"certificate-arn"] = o.TLSCertARN
		a[albPrefix+"listen-ports"] = `[{"HTTP": 80}, {"HTTPS": 443}]`
		a[albPrefix+"ssl-redirect"] = "443"
	}
	if port := ingressPort(ing); port > 0 {
		if path, hcPort, from := p.b.healthCheck(pl, port); path != "" {
			a[albPrefix+"healthcheck-path"] = path
			if hcPort != "" {
				a[albPrefix+"healthcheck-port"] = hcPort
			}
			p.b.ledger.Mapped(pl.Svc.Name, from, "Ingress/"+ing.Name+" metadata.annotations["+albPrefix+"healthcheck-path]")
		}
	}
	if len(o.SourceRanges) > 0 {
		a[albPrefix+"inbound-cidrs"] = strings.Join(o.SourceRanges, ",")
	}
	ing.Annotations = merge(ing.Annotations, a)
}

func (p aws) loadBalancer(pl *plan, s *corev1.Service) {
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return
	}
	o := p.b.opts
	s.Spec.LoadBalancerSourceRanges = append([]string(nil), o.SourceRanges...)
	if len(s.Spec.Ports) > 0 {
		// The health check goes to the traffic port: only a path on the first port's container
		// port is used, so every listener's check stays right.
		if path, hcPort, from := p.b.healthCheck(pl, s.Spec.Ports[0].TargetPort.IntVal); path != "" && hcPort == "" {
			s.Annotations = merge(s.Annotations, map[string]string{
				nlbPrefix + "healthcheck-protocol": "http", nlbPrefix + "healthcheck-path": path})
			p.b.ledger.Mapped(pl.Svc.Name, from, "Service/"+s.Name+" metadata.annotations["+nlbPrefix+"healthcheck-path]")
		}
	}
	if o.TLSCertARN == "" {
		return
	}
	for _, sp := range s.Spec.Ports {
		if sp.Port == 443 || sp.Name == "https" {
			// the container terminates TLS itself (a TLS port passed through): an NLB listener
			// with the certificate would send it plain bytes
			p.b.ledger.Infof(pl.Svc.Name, pl.Svc.Field, "Service/%s: port %d passes TLS through to the container, which terminates it; "+
				"the load balancer does not terminate TLS with --tls-cert-arn", s.Name, sp.Port)
			return
		}
	}
	// TLS terminates on the load balancer: 443 forwards plain HTTP to the first HTTP port.
	for _, sp := range s.Spec.Ports {
		if strings.HasPrefix(sp.Name, "http") && sp.Protocol == corev1.ProtocolTCP && sp.Port != 443 {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP,
				TargetPort: sp.TargetPort})
			break
		}
	}
	s.Annotations = merge(s.Annotations, map[string]string{
		nlbPrefix + "ssl-cert":         o.TLSCertARN,
		nlbPrefix + "backend-protocol": "http",
		nlbPrefix + "ssl-ports":        "443",
	})
}

// ingressPort is the Service port number of the Ingress's first rule, 0 when there is none.
func ingressPort(ing *networkingv1.Ingress) int32 {
	for _, r := range ing.Spec.Rules {
		if r.HTTP != nil && len(r.HTTP.Paths) > 0 && r.HTTP.Paths[0].Backend.Service != nil {
			return r.HTTP.Paths[0].Backend.Service.Port.Number
		}
	}
	return 0
}

// merge returns dst with src's entries added.
func merge(dst, src map[string]string) map[string]string {
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}

// accountHealthPath accounts x-berth.healthPath: the load balancer's health check with
// --provider aws on a public service, otherwise nothing reads it.
func (b *builder) accountHealthPath(service, field string) {
	pl := b.plans[service]
	if b.opts.Provider == ProviderAWS && pl != nil && pl.public() {
		b.ledger.Mapped(service, field, "the AWS load balancer's health check path")
		return
	}
	b.ledger.Ignored(service, field, "healthPath is for cloud load balancers' health checks (--provider aws)")
}

// Storage classes of --provider aws when neither x-berth nor --storage-class names one.
const (
	// AWSBlockStorageClass backs ReadWriteOnce claims: an EBS gp3 class of the EBS CSI driver.
	// gp3 rather than the gp2 class EKS creates: gp3 costs less per GiB and has a 3000 IOPS /
	// 125 MiB/s baseline at any size, and EKS clusters from 1.30 on no longer mark gp2 as the
	// default, so a claim without a class would stay Pending there anyway. The class must
	// exist (docs/mapping.md shows it); --storage-class gp2 uses EKS's own.
	AWSBlockStorageClass = "gp3"
	// AWSFileStorageClass backs ReadWriteMany and ReadOnlyMany claims: the EFS CSI driver's
	// dynamic provisioning class, named as in the driver's documentation.
	AWSFileStorageClass = "efs-sc"
)

// providerStorageClass is the storage class the provider picks for volume v's claim of the
// given access mode, "" for the cluster default (generic). It notes each class once.
func (b *builder) providerStorageClass(v *model.Volume, mode corev1.PersistentVolumeAccessMode) string {
	if b.opts.Provider != ProviderAWS || v.EFS != nil {
		return "" // an EFS volume binds to its own PersistentVolume (efs.go)
	}
	sc, what := AWSBlockStorageClass, "EBS gp3 volumes (StorageClass of the EBS CSI driver, ebs.csi.aws.com, type gp3)"
	if mode == corev1.ReadWriteMany || mode == corev1.ReadOnlyMany {
		sc, what = AWSFileStorageClass, "EFS access points (StorageClass of the EFS CSI driver, efs.csi.aws.com, provisioningMode efs-ap) since EBS volumes attach to one node"
	}
	cp := b.config().claims
	if !cp.noted[sc] {
		cp.noted[sc] = true
		b.ledger.Infof("", v.Field, "--provider aws: %s claims use storage class %s, %s; the class must exist in the cluster (or pass --storage-class)",
			mode, sc, what)
	}
	return sc
}
