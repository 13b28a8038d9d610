// Package deploy holds the tests of the deployment files under deploy/: the compose
// files loaded as Docker Compose loads them, and the Helm chart rendered and decoded into
// Kubernetes' own types.
package deploy

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// loadCompose loads one compose file of deploy/compose as `docker compose config` would:
// validated against the Compose schema (an unknown or misspelt key fails), variables
// interpolated, env files read. The env files are the shipped examples, copied to the
// names the compose files use.
func loadCompose(t *testing.T, file string, edit func(string) string) *types.Project {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("compose")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("compose", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(e.Name(), ".example")
		if name == file && edit != nil {
			b = []byte(edit(string(b)))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, file)},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv([]string{"ALOWARE_KENDO_DOMAIN=kendo-sync.example.com"}),
		cli.WithInterpolation(true), cli.WithNormalization(true), cli.WithConsistency(true))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		if edit == nil {
			t.Fatalf("%s does not load: %v", file, err)
		}
		return nil
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("no service %q: %v", name, err)
	}
	return s
}

func TestComposeSQLite(t *testing.T) {
	p := loadCompose(t, "sqlite.compose.yaml", nil)
	if len(p.Services) != 1 {
		t.Fatalf("SQLite takes one process per database: want one service, got %v", p.ServiceNames())
	}
	app := service(t, p, "aloware-kendo")
	if app.Deploy != nil && app.Deploy.Replicas != nil && *app.Deploy.Replicas != 1 {
		t.Fatalf("SQLite with %d replicas", *app.Deploy.Replicas)
	}
	if db := app.Environment["ALOWARE_KENDO_DB"]; db == nil || !strings.HasPrefix(*db, "sqlite:/data/") {
		t.Fatalf("the database is not on the volume: %v", app.Environment["ALOWARE_KENDO_DB"])
	}
	if !slices.ContainsFunc(app.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && v.Target == "/data" && p.Volumes[v.Source].Name != ""
	}) {
		t.Fatalf("no named volume at /data: %+v", app.Volumes)
	}
	checkApp(t, app)
}

func TestComposePostgres(t *testing.T) {
	p := loadCompose(t, "postgres.compose.yaml", nil)
	db := service(t, p, "db")
	if db.HealthCheck == nil || !slices.Contains(db.HealthCheck.Test, "pg_isready") {
		t.Fatalf("the database needs a pg_isready health check: %+v", db.HealthCheck)
	}

	migrate := service(t, p, "migrate")
	if !slices.Equal(migrate.Command, types.ShellCommand{"migrate"}) || migrate.Restart != "no" {
		t.Fatalf("migrate is a one-shot `aloware-kendo migrate`: command %v, restart %q", migrate.Command, migrate.Restart)
	}
	dependsOn(t, migrate, "db", types.ServiceConditionHealthy)

	app := service(t, p, "aloware-kendo")
	if app.Deploy == nil || app.Deploy.Replicas == nil || *app.Deploy.Replicas != 2 {
		t.Fatalf("want two replicas: %+v", app.Deploy)
	}
	if !slices.Contains(app.Command, "--migrate=false") {
		t.Fatalf("the replicas must leave migrations to the one-shot: %v", app.Command)
	}
	dependsOn(t, app, "db", types.ServiceConditionHealthy)
	dependsOn(t, app, "migrate", types.ServiceConditionCompletedSuccessfully)
	if app.Image != migrate.Image || app.Build == nil || migrate.Build == nil {
		t.Fatalf("migrate and the replicas run one image built here (else up tries to pull it): %q %q", migrate.Image, app.Image)
	}
	if v := app.Environment["ALOWARE_KENDO_ALLOWED_HOSTS"]; v == nil || *v != "kendo-sync.example.com" {
		t.Fatalf("the public name must be an allowed Host: %v", v)
	}
	checkApp(t, app)

	caddy := service(t, p, "caddy")
	dependsOn(t, caddy, "aloware-kendo", types.ServiceConditionHealthy)
	if !slices.ContainsFunc(caddy.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == 443 && pc.Published == "443" }) {
		t.Fatalf("Caddy must publish 443: %+v", caddy.Ports)
	}
	if !slices.ContainsFunc(caddy.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == "/etc/caddy/Caddyfile" && filepath.Base(v.Source) == "Caddyfile"
	}) {
		t.Fatalf("Caddy needs the Caddyfile: %+v", caddy.Volumes)
	}
	checkCaddyfile(t, p.Name, app)
}

// checkApp: what every aloware-kendo service needs, in both files.
func checkApp(t *testing.T, app types.ServiceConfig) {
	t.Helper()
	if app.HealthCheck == nil || !slices.ContainsFunc(app.HealthCheck.Test, func(s string) bool { return strings.HasSuffix(s, "/readyz") }) {
		t.Fatalf("%s: the health check must ask /readyz: %+v", app.Name, app.HealthCheck)
	}
	if len(app.EnvFiles) == 0 {
		t.Fatalf("%s: secrets come from an env_file", app.Name)
	}
	if !app.ReadOnly || !slices.Contains(app.Tmpfs, "/tmp") {
		t.Fatalf("%s: read-only root filesystem with a tmpfs /tmp", app.Name)
	}
	if app.StopGracePeriod == nil || app.Environment["ALOWARE_KENDO_SHUTDOWN_TIMEOUT"] == nil {
		t.Fatalf("%s: stop_grace_period must be set above --shutdown-timeout", app.Name)
	}
}

// checkCaddyfile: Caddy health-checks only the upstreams it is given by name, so the
// Caddyfile lists every replica by its container name, and checks /readyz.
func checkCaddyfile(t *testing.T, project string, app types.ServiceConfig) {
	t.Helper()
	b, err := os.ReadFile("compose/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	caddyfile := string(b)
	for i := 1; i <= *app.Deploy.Replicas; i++ {
		upstream := project + "-" + app.Name + "-" + string(rune('0'+i)) + ":8080"
		if !strings.Contains(caddyfile, upstream) {
			t.Errorf("the Caddyfile does not name replica %d (%s)", i, upstream)
		}
	}
	for _, want := range []string{"health_uri /readyz", "{$ALOWARE_KENDO_DOMAIN}"} {
		if !strings.Contains(caddyfile, want) {
			t.Errorf("the Caddyfile lacks %q", want)
		}
	}
}

func dependsOn(t *testing.T, s types.ServiceConfig, on, condition string) {
	t.Helper()
	if d, ok := s.DependsOn[on]; !ok || d.Condition != condition {
		t.Fatalf("%s must depend on %s with %s: %+v", s.Name, on, condition, s.DependsOn)
	}
}

// Loading is strict: a misspelt key fails (the check above would otherwise pass on a
// file Docker Compose refuses or silently misreads).
func TestComposeUnknownKeyFails(t *testing.T) {
	if p := loadCompose(t, "sqlite.compose.yaml", func(s string) string {
		return strings.Replace(s, "    healthcheck:", "    health_check:", 1)
	}); p != nil {
		t.Fatal("a compose file with an unknown key loaded")
	}
}

// secretName matches the variables that carry a secret.
var secretName = regexp.MustCompile(`(?i)(KEY|TOKEN|SECRET|PASSWORD|BASIC)$`)

// No secret is written into a compose file: every one comes from an env_file. Read from
// the files as written (the loaded project has the env files merged in).
func TestComposeSecretsOnlyFromEnvFiles(t *testing.T) {
	for _, file := range []string{"sqlite.compose.yaml", "postgres.compose.yaml"} {
		b, err := os.ReadFile(filepath.Join("compose", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Services map[string]struct {
				Environment map[string]string `yaml:"environment"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, s := range doc.Services {
			for k, v := range s.Environment {
				if secretName.MatchString(k) || strings.Contains(v, "://") && strings.Contains(v, "@") {
					t.Errorf("%s: service %s sets %s inline; secrets go in an env_file", file, name, k)
				}
			}
		}
	}
}
