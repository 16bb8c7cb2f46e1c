// Package cluster runs a real, throwaway Kubernetes control plane on 127.0.0.1 for tests:
// etcd, kube-apiserver and, in Full mode, kube-controller-manager, kube-scheduler and kwok
// with fake nodes, so that Deployments become Available, Jobs complete and PVCs bind (kwok
// only writes pod status: no container ever runs, no traffic flows).
//
// The binaries come from test/cluster/build.sh (`make test` runs it; about 25 minutes once on 2 cores,
// then cached in $HOME/.cache/berth-test-bin/<version>, or $BERTH_TEST_BIN). Versions are
// pinned by the modules in test/cluster/tools.
//
// One cluster per test package, started on first use and stopped after the tests:
//
//	var kube = cluster.NewShared(cluster.Options{}) // Full mode; APIServerOnly starts faster
//
//	func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }
//
//	func TestConvertedAppIsAccepted(t *testing.T) {
//		c := kube.Get(t) // fails the test if the binaries are missing (see RequireBinaries)
//		objs, err := validate.ParseYAML(rendered)
//		...
//		results, err := c.DryRun(ctx, objs) // server-side apply, dryRun=All, fieldValidation=Strict
//		if err != nil {
//			t.Fatal(err)
//		}
//		if err := validate.Err(results); err != nil {
//			t.Error(err) // lists each rejected or warned object with the server's message
//		}
//	}
//
// Custom resources validate once their CustomResourceDefinitions are installed:
// c.InstallCRDs(ctx, crdObjects) applies them for real and waits until they are served.
//
// Or one cluster for one test: c := cluster.ForTest(t, cluster.Options{}). Outside tests,
// Start and Stop are the primitives; c.Kubeconfig (a file) and c.Config (*rest.Config) give
// admin access.
//
// Each cluster gets its own run directory (logs/<component>.log, pki/, etcd/, kubeconfig),
// random free ports in 20000-32767, certificates generated in Go, a static admin token, RBAC,
// a service-account signing key, and loopback service (127.96.0.0/16) and pod (127.16.0.0/16)
// ranges so nothing can send traffic off the machine. Full mode adds a default StorageClass
// "standard" with pre-made PersistentVolumes. Several clusters may run at once.
//
// Stop stops exactly the processes the cluster started, by PID. Children run with a
// parent-death signal, so a test binary that is killed or times out leaves nothing running;
// its run directory is removed by the next Start.
//
// Start-up on 2 cores: about 3-5 s (Full), 3-4 s (APIServerOnly); Cluster.Timings has the
// steps. BERTH_TEST_KEEP=1 keeps run directories for inspection.
package cluster
