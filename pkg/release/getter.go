package release

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// getter is the genericclioptions.RESTClientGetter the Helm SDK asks for, built from the
// kubeconfig berth already loaded (its --kubeconfig, --context and KUBECONFIG rules) rather
// than from kubectl's flags and the process environment. Its namespace is the release's.
type getter struct {
	loader clientcmd.ClientConfig
	config *rest.Config
	disc   discovery.CachedDiscoveryInterface
	mapper meta.RESTMapper
}

// Getter returns a RESTClientGetter for cfg, whose raw loader reports namespace as the
// default namespace (Helm's kube client puts namespace-less objects there).
func Getter(cfg *rest.Config, namespace string) (genericclioptions.RESTClientGetter, error) {
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(disc)
	return &getter{
		loader: &namespaceLoader{config: cfg, ns: namespace},
		config: cfg,
		disc:   cached,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(cached),
	}, nil
}

func (g *getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }
func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disc, nil
}
func (g *getter) ToRESTMapper() (meta.RESTMapper, error)        { return g.mapper, nil }
func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.loader }

// namespaceLoader answers the questions Helm asks the raw loader: the client configuration and
// the namespace. The raw kubeconfig is empty: berth already resolved it into config.
type namespaceLoader struct {
	config *rest.Config
	ns     string
}

func (l *namespaceLoader) RawConfig() (clientcmdapi.Config, error) {
	return *clientcmdapi.NewConfig(), nil
}
func (l *namespaceLoader) ClientConfig() (*rest.Config, error) { return rest.CopyConfig(l.config), nil }
func (l *namespaceLoader) Namespace() (string, bool, error)    { return l.ns, true, nil }
func (l *namespaceLoader) ConfigAccess() clientcmd.ConfigAccess {
	return clientcmd.NewDefaultClientConfigLoadingRules()
}
