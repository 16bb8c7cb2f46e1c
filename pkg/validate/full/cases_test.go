package full_test

// Bare Pods pass ServiceAccount admission only where the namespace's default ServiceAccount
// exists, which an APIServerOnly cluster never creates; the Pod cases below are rejected
// before admission.

// agreementCases are fed to both the offline validator and a real apiserver (server-side
// dry-run): both must accept the valid ones and reject the invalid ones. Each invalid case is
// invalid in exactly one way, named by want (a text both checkers' messages must contain).
var agreementCases = []struct {
	name  string
	doc   string
	valid bool
	want  string
}{
	{name: "deployment", valid: true, doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree, labels: {app.kubernetes.io/name: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - {name: wait, image: busybox:1.36, command: [sh, -c, "until nc -z db 5432; do sleep 1; done"]}
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        ports: [{name: http, containerPort: 80}]
        env: [{name: A, value: "1"}, {name: B, valueFrom: {secretKeyRef: {name: s, key: b}}}]
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5}
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`},
	{name: "kubectl-style nulls and empty objects", valid: true, doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree, creationTimestamp: null}
spec:
  selector: {matchLabels: {app: web}}
  strategy: {}
  template:
    metadata: {labels: {app: web}, creationTimestamp: null}
    spec: {containers: [{name: web, image: nginx, resources: {}}]}
status: {}
`},
	{name: "service", valid: true, doc: `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: agree}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
`},
	{name: "configmap and secret", valid: true, doc: `
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: agree}
type: Opaque
data: {b: aGVsbG8=, empty: ""}
stringData: {c: plain}
`},
	{name: "pvc", valid: true, doc: `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: agree}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`},
	{name: "statefulset", valid: true, doc: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: agree}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}]}]}
  volumeClaimTemplates:
  - metadata: {name: pgdata}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
`},
	{name: "cronjob", valid: true, doc: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: agree}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: backup, image: busybox:1.36}]}
`},
	{name: "ingress", valid: true, doc: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: agree}
spec:
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
`},
	{name: "networkpolicy, pdb, hpa", valid: true, doc: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: agree}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
`},
	{name: "rbac", valid: true, doc: `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: agree}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects: [{kind: ServiceAccount, name: web, namespace: agree}]
`},
	{name: "poddisruptionbudget", valid: true, doc: `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: agree}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
`},

	{name: "unknown top-level field", want: "dta", doc: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: agree}
dta: {A: "1"}
`},
	{name: "unknown container field", want: "imagePullPolicyy", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: agree}
spec: {containers: [{name: c, image: nginx, imagePullPolicyy: Always}]}
`},
	{name: "string for an integer", want: "replicas", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
`},
	{name: "object for a list", want: "containers", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: agree}
spec: {containers: {name: c, image: nginx}}
`},
	{name: "number for a label value", want: "labels", doc: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: agree, labels: {tier: 1}}
`},
	{name: "missing selector", want: "selector", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
`},
	{name: "null for a required field", want: "selector", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: null
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: nginx}]}}
`},
	{name: "container without name", want: "name", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{image: nginx}]}}
`},
	{name: "service port without port", want: "port", doc: `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: agree}
spec: {ports: [{name: http, targetPort: 80}]}
`},
	{name: "hpa without maxReplicas", want: "maxReplicas", doc: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: agree}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}
`},
	{name: "duplicate container names", want: "web", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: agree}
spec: {containers: [{name: web, image: nginx}, {name: web, image: redis}]}
`},
	{name: "secret data not base64", want: "data", doc: `
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: agree}
data: {b: "not base64!"}
`},
	{name: "unknown kind", want: "Widget", doc: `
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: agree}
`},
}

// serverRuleCases are invalid only by the rules of validate.ServerRules: the schemas accept
// them, the apiserver's pod validation does not. Fed to both checkers like agreementCases.
var serverRuleCases = []struct{ name, doc, want string }{
	{name: "container without image", want: "spec.template.spec.containers[0].image: Required value", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
`},
	{name: "duplicate port names in a container", want: `spec.template.spec.containers[0].ports[1].name: Duplicate value: "http"`, doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 80}, {name: http, containerPort: 8080}]}]}
`},
	{name: "an init container named like a container", want: `spec.template.spec.initContainers[0].name: Duplicate value: "web"`, doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {initContainers: [{name: web, image: busybox}], containers: [{name: web, image: nginx}]}
`},
}

// serverOnlyCases are invalid in ways only the apiserver's hand-written validation sees; the
// offline validator accepts them. Kept as a test so the boundary is known and noticed when it
// moves.
var serverOnlyCases = []struct{ name, doc, want string }{
	{name: "invalid name", want: "Web_Server", doc: `
apiVersion: v1
kind: Service
metadata: {name: Web_Server, namespace: agree}
spec: {ports: [{port: 80}]}
`},
	{name: "selector does not match template", want: "selector", doc: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: agree}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: web, image: nginx}]}}
`},
	{name: "port out of range", want: "70000", doc: `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: agree}
spec: {ports: [{port: 70000}]}
`},
}
