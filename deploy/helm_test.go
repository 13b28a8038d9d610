package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

const chart = "helm/aloware-kendo"

// The chart's copy of the alert rules (a chart cannot read files outside its folder) is
// the file Prometheus users load: the two never differ.
func TestHelmRulesCopyIsCurrent(t *testing.T) {
	want, err := os.ReadFile("prometheus/aloware-kendo-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(chart, "files/aloware-kendo-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("deploy/helm/aloware-kendo/files/aloware-kendo-rules.yml differs from deploy/prometheus/aloware-kendo-rules.yml; " +
			"run: cp deploy/prometheus/aloware-kendo-rules.yml deploy/helm/aloware-kendo/files/")
	}
}

// helmBinary is ALOWARE_KENDO_HELM or helm on PATH. Without one the chart tests skip,
// unless ALOWARE_KENDO_REQUIRE_HELM=1 (.ci/run, which builds helm, sets both).
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("ALOWARE_KENDO_HELM"); h != "" {
		return h
	}
	if h, err := exec.LookPath("helm"); err == nil {
		return h
	}
	if os.Getenv("ALOWARE_KENDO_REQUIRE_HELM") == "1" {
		t.Fatal("ALOWARE_KENDO_REQUIRE_HELM=1 but no helm: set ALOWARE_KENDO_HELM or put helm on PATH")
	}
	t.Skip("no helm (set ALOWARE_KENDO_HELM, or ALOWARE_KENDO_REQUIRE_HELM=1 to fail instead)")
	return ""
}

func helmTemplate(t *testing.T, helm string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm, append([]string{"template", "ci", chart, "--namespace", "ops"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	return out, nil
}

// rendered is one release rendered with one values file, every object decoded.
type rendered struct {
	deployment      *appsv1.Deployment
	service         *corev1.Service
	secret          *corev1.Secret
	pvc             *corev1.PersistentVolumeClaim
	job             *batchv1.Job
	pdb             *policyv1.PodDisruptionBudget
	serviceMonitor  *serviceMonitor
	prometheusRule  *prometheusRule
	kinds           []string
	render, decoded time.Duration
}

// The Prometheus Operator's objects are not in k8s.io/api, and its Go module would bring
// a large tree for two types: they are decoded, as strictly, into the few fields of
// monitoring.coreos.com/v1 the chart uses (an unknown field fails the same way).
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

type prometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ruleFile `json:"spec"`
}

// ruleFile is both a Prometheus rule file and a PrometheusRule's spec.
type ruleFile struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval,omitempty"`
		Rules    []struct {
			Record        string            `json:"record,omitempty"`
			Alert         string            `json:"alert,omitempty"`
			Expr          string            `json:"expr"`
			For           string            `json:"for,omitempty"`
			KeepFiringFor string            `json:"keep_firing_for,omitempty"`
			Labels        map[string]string `json:"labels,omitempty"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// render runs helm template and decodes every object strictly into its Kubernetes type:
// an unknown or misplaced field, a wrong type or an unexpected kind fails the test.
func render(t *testing.T, helm, values string) rendered {
	t.Helper()
	start := time.Now()
	out, err := helmTemplate(t, helm, "-f", values)
	if err != nil {
		t.Fatalf("helm template -f %s: %v", values, err)
	}
	r := rendered{render: time.Since(start)}
	start = time.Now()
	for _, doc := range docSeparator.Split(string(out), -1) {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s: not YAML: %v\n%s", values, err, doc)
		}
		if meta.Kind == "" {
			continue // only comments
		}
		obj, want := decodeTarget(&r, meta.Kind)
		if obj == nil {
			t.Fatalf("%s: unexpected kind %s", values, meta.Kind)
		}
		if meta.APIVersion != want {
			t.Fatalf("%s: %s is %s, want %s", values, meta.Kind, meta.APIVersion, want)
		}
		if slices.Contains(r.kinds, meta.Kind) {
			t.Fatalf("%s: two objects of kind %s", values, meta.Kind)
		}
		r.kinds = append(r.kinds, meta.Kind)
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s: %s does not decode strictly into its type: %v\n%s", values, meta.Kind, err, doc)
		}
	}
	r.decoded = time.Since(start)
	return r
}

// decodeTarget makes the object a document of kind decodes into, keeps it in r, and
// says which apiVersion the kind must have; nil for a kind the chart does not make.
func decodeTarget(r *rendered, kind string) (any, string) {
	switch kind {
	case "Deployment":
		r.deployment = &appsv1.Deployment{}
		return r.deployment, "apps/v1"
	case "Service":
		r.service = &corev1.Service{}
		return r.service, "v1"
	case "Secret":
		r.secret = &corev1.Secret{}
		return r.secret, "v1"
	case "PersistentVolumeClaim":
		r.pvc = &corev1.PersistentVolumeClaim{}
		return r.pvc, "v1"
	case "Job":
		r.job = &batchv1.Job{}
		return r.job, "batch/v1"
	case "PodDisruptionBudget":
		r.pdb = &policyv1.PodDisruptionBudget{}
		return r.pdb, "policy/v1"
	case "ServiceMonitor":
		r.serviceMonitor = &serviceMonitor{}
		return r.serviceMonitor, "monitoring.coreos.com/v1"
	case "PrometheusRule":
		r.prometheusRule = &prometheusRule{}
		return r.prometheusRule, "monitoring.coreos.com/v1"
	}
	return nil, ""
}

func TestHelmChart(t *testing.T) {
	helm := helmBinary(t)
	var total time.Duration
	for _, tc := range []struct {
		values   string
		postgres bool
		replicas int32
	}{
		{"sqlite-values.yaml", false, 1},
		{"postgres-values.yaml", true, 3},
		{"monitoring-values.yaml", true, 2},
	} {
		t.Run(tc.values, func(t *testing.T) {
			r := render(t, helm, filepath.Join(chart, "ci", tc.values))
			total += r.render + r.decoded
			t.Logf("helm template %s, decoded %d objects in %s", r.render.Round(time.Millisecond), len(r.kinds), r.decoded.Round(time.Millisecond))
			checkDeployment(t, r, tc.postgres, tc.replicas)
			checkStorageAndMigration(t, r, tc.postgres)
			if r.pdb == nil || !selects(r.pdb.Spec.Selector, r.deployment.Spec.Template.Labels) {
				t.Fatal("no PodDisruptionBudget for the pods")
			}
			if tc.postgres && tc.replicas > 1 && (r.pdb.Spec.MinAvailable == nil || r.pdb.Spec.MinAvailable.IntValue() != 1) {
				t.Fatalf("replicas: a drain must leave one serving: %+v", r.pdb.Spec)
			}
			if !selects(&metav1.LabelSelector{MatchLabels: r.service.Spec.Selector}, r.deployment.Spec.Template.Labels) {
				t.Fatal("the Service does not select the pods")
			}
		})
	}
	t.Logf("helm template + strict decoding of the three renders: %s", total.Round(time.Millisecond))
}

func checkDeployment(t *testing.T, r rendered, postgres bool, replicas int32) {
	t.Helper()
	d := r.deployment
	if d == nil || d.Spec.Replicas == nil || *d.Spec.Replicas != replicas {
		t.Fatalf("want %d replicas: %+v", replicas, d.Spec.Replicas)
	}
	wantStrategy := appsv1.RecreateDeploymentStrategyType
	if postgres {
		wantStrategy = appsv1.RollingUpdateDeploymentStrategyType
	}
	if d.Spec.Strategy.Type != wantStrategy {
		t.Fatalf("strategy %s, want %s", d.Spec.Strategy.Type, wantStrategy)
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if slices.Contains(c.Args, "--migrate=false") != postgres {
		t.Fatalf("args %v: --migrate=false exactly when a Job migrates (PostgreSQL)", c.Args)
	}
	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
			t.Fatalf("%s probe must GET %s: %+v", name, path, p)
		}
		// Probes come with the pod IP as Host; without inbound credentials only allowed
		// and loopback names are served.
		if !slices.Contains(p.HTTPGet.HTTPHeaders, corev1.HTTPHeader{Name: "Host", Value: "localhost"}) {
			t.Fatalf("%s probe must send Host: localhost", name)
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("startup", c.StartupProbe, "/healthz")

	shutdown := envValue(t, c, "ALOWARE_KENDO_SHUTDOWN_TIMEOUT")
	timeout, err := time.ParseDuration(shutdown)
	if err != nil || pod.TerminationGracePeriodSeconds == nil ||
		time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= timeout {
		t.Fatalf("terminationGracePeriodSeconds %v must exceed --shutdown-timeout %q", pod.TerminationGracePeriodSeconds, shutdown)
	}

	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || sc == nil || sc.ReadOnlyRootFilesystem == nil ||
		!*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Fatalf("non-root, read-only root filesystem, no privilege escalation: %+v %+v", psc, sc)
	}
	if !mountsEmptyDir(pod, c, "/tmp") {
		t.Fatal("the read-only root filesystem needs an emptyDir at /tmp")
	}
	checkSecretsByReference(t, c.Env)
	if db := envVar(c, "ALOWARE_KENDO_DB"); postgres != (db != nil && db.ValueFrom != nil && db.ValueFrom.SecretKeyRef != nil) {
		t.Fatalf("the PostgreSQL URL (and only it) comes from the Secret: %+v", db)
	}
}

func checkStorageAndMigration(t *testing.T, r rendered, postgres bool) {
	t.Helper()
	pod := r.deployment.Spec.Template.Spec
	if !postgres {
		if r.pvc == nil || r.job != nil {
			t.Fatalf("SQLite: a PersistentVolumeClaim and no migration Job (serve migrates the file it owns): %v", r.kinds)
		}
		if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
			return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == r.pvc.Name
		}) || !slices.ContainsFunc(pod.Containers[0].VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/data" }) {
			t.Fatal("SQLite: the claim must be mounted at /data")
		}
		return
	}
	if r.pvc != nil || r.job == nil {
		t.Fatalf("PostgreSQL: a migration Job and no claim: %v", r.kinds)
	}
	if hook := r.job.Annotations["helm.sh/hook"]; hook != "pre-install,pre-upgrade" {
		t.Fatalf("the migration must be a pre-install/pre-upgrade hook: %q", hook)
	}
	jc := r.job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(jc.Args, []string{"migrate"}) || r.job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("the Job runs `aloware-kendo migrate` once: %v", jc.Args)
	}
	if jc.SecurityContext == nil || jc.SecurityContext.ReadOnlyRootFilesystem == nil || !*jc.SecurityContext.ReadOnlyRootFilesystem {
		t.Fatal("the Job runs read-only too")
	}
	checkSecretsByReference(t, jc.Env)
	if selects(&metav1.LabelSelector{MatchLabels: r.service.Spec.Selector}, r.job.Spec.Template.Labels) ||
		selects(r.deployment.Spec.Selector, r.job.Spec.Template.Labels) {
		t.Fatal("the Service or the Deployment selects the migration pod")
	}
	if r.secret != nil { // created by the chart: it must exist before the hook Job runs
		if r.secret.Annotations["helm.sh/hook"] != "pre-install,pre-upgrade" || r.secret.Annotations["helm.sh/hook-weight"] >= r.job.Annotations["helm.sh/hook-weight"] {
			t.Fatalf("the Secret must be a hook created before the Job: %v", r.secret.Annotations)
		}
	}
}

// secretEnv names the variables that carry a secret: each must come from a Secret.
var secretEnv = regexp.MustCompile(`(KEY|TOKEN|SECRET|PASSWORD|BASIC)$`)

func checkSecretsByReference(t *testing.T, env []corev1.EnvVar) {
	t.Helper()
	for _, e := range env {
		if secretEnv.MatchString(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Fatalf("%s must come from a Secret: %+v", e.Name, e)
		}
	}
}

func envVar(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func envValue(t *testing.T, c corev1.Container, name string) string {
	t.Helper()
	e := envVar(c, name)
	if e == nil {
		t.Fatalf("no %s", name)
	}
	return e.Value
}

func mountsEmptyDir(pod corev1.PodSpec, c corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}

func selects(sel *metav1.LabelSelector, set map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && !s.Empty() && s.Matches(labels.Set(set))
}

// With monitoring on, the ServiceMonitor scrapes the Service's port and the
// PrometheusRule carries exactly the groups of deploy/prometheus/aloware-kendo-rules.yml.
func TestHelmMonitoring(t *testing.T) {
	helm := helmBinary(t)
	r := render(t, helm, filepath.Join(chart, "ci", "monitoring-values.yaml"))
	sm := r.serviceMonitor
	if sm == nil || len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Path != "/metrics" ||
		!selects(&sm.Spec.Selector, r.service.Labels) || sm.Labels["release"] != "prometheus" {
		t.Fatalf("ServiceMonitor: %+v", sm)
	}
	b, err := os.ReadFile("prometheus/aloware-kendo-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var want ruleFile
	if err := yaml.UnmarshalStrict(b, &want); err != nil {
		t.Fatal(err)
	}
	if r.prometheusRule == nil || len(want.Groups) == 0 || !reflect.DeepEqual(r.prometheusRule.Spec, want) {
		t.Fatal("the PrometheusRule does not carry the groups of deploy/prometheus/aloware-kendo-rules.yml")
	}
	for _, values := range []string{"sqlite-values.yaml", "postgres-values.yaml"} {
		if r := render(t, helm, filepath.Join(chart, "ci", values)); r.serviceMonitor != nil || r.prometheusRule != nil {
			t.Fatalf("%s: monitoring objects are optional (off by default)", values)
		}
	}
}

// Settings the chart cannot honour fail the render, saying why.
func TestHelmRefuses(t *testing.T) {
	helm := helmBinary(t)
	for _, tc := range []struct {
		name string
		set  []string
		want string
	}{
		{"postgres without a database URL", []string{"database.mode=postgres"}, "secrets.databaseUrl"},
		{"an unknown mode", []string{"database.mode=mysql"}, "sqlite or postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			_, err := helmTemplate(t, helm, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a failure naming %q, got %v", tc.want, err)
			}
		})
	}
}
