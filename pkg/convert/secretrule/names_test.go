package secretrule

import (
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

func TestSecretName(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"POSTGRES_PASSWORD", "x", true},
		{"MYSQL_ROOT_PASSWORD", "x", true},
		{"DB_PASSWD", "x", true},
		{"DB_PASS", "x", true},
		{"DB_PWD", "x", true},
		{"PWD", "/app", false},
		{"dbPassword", "x", true},
		{"JWT_SECRET", "x", true},
		{"SECRET_KEY_BASE", "x", true},
		{"GITHUB_TOKEN", "x", true},
		{"githubToken", "x", true},
		{"API_KEY", "x", true},
		{"apiKey", "x", true},
		{"APIKEY", "x", true},
		{"AWS_ACCESS_KEY_ID", "x", true},
		{"AWS_SECRET_ACCESS_KEY", "x", true},
		{"PRIVATE_KEY", "x", true},
		{"STRIPE_KEYS", "x", true},
		{"GOOGLE_APPLICATION_CREDENTIALS_JSON", "{}", true},
		{"REGISTRY_CREDS", "x", true},
		{"BASIC_AUTH", "u:p", true},
		{"SENTRY_DSN", "https://k@sentry.io/1", true},
		{"PASSWORD_SALT", "x", true},
		{"KEYBOARD_LAYOUT", "us", false},
		{"MONKEY", "x", false},
		{"KEYCLOAK_URL", "http://kc", false},
		{"AUTHOR", "me", false},
		{"LOG_LEVEL", "debug", false},
		{"NODE_ENV", "production", false},
		{"PORT", "8080", false},
		{"POSTGRES_PASSWORD_FILE", "/run/secrets/db_password", false},
		{"TLS_KEY_PATH", "/etc/tls/key.pem", false},
		{"POSTGRES_PASSWORD_FILE", "not-a-path", true},
		{"", "", false},
		{"KEY_PREFIX", "cache:", false},
		{"GF_AUTH_ANONYMOUS_ENABLED", "true", false},
		{"AUTH_URL", "http://auth", false},
		{"SALT_ROUNDS", "10", false},
		{"SIGNING_KEY_B64", "QUJD", true},
		{"LICENSE_KEY", "abc", true},
		{"JWT_SECRET", "x", true},
		{"xpack.security.http.ssl.key", "certs/elasticsearch.key", false},
		{"xpack.security.http.ssl.key", "c2VjcmV0/a2V5", true},
		{"API_KEY", "/Zm9vYmFy+base64=", true},
		{"SSL_KEY_FILE", "./tls.key", false},
		{"REDIS_AUTH", "hunter2", true},
		{"MYSQL_PWD", "x", true},
	}
	for _, tt := range tests {
		if got := Name(tt.name, tt.value); got != tt.want {
			t.Errorf("Name(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestSecretValue(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"postgres://app:s3cret@db:5432/app", true},
		{"redis://:hunter2@cache:6379/0", true},
		{"amqp://guest:guest@rabbitmq/", true},
		{"mongodb://u:p@a,b,c/db?replicaSet=rs", true},
		{"postgres://app@db/app", false},
		{"http://example.com:8080/path", false},
		{"https://user@host", false},
		{"http://api:8080", false},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIE...", true},
		{"plain", false},
		{"see http://a:b@c and more", true},
		{"Host=db;Username=u;Password=p;Database=d", true},
		{"Server=db;Database=x", false},
		{"https://api/x?access_token=abc", true},
		{"https://api/x?page=2", false},
		{"password=", false},
		{"-----BEGIN CERTIFICATE-----\nMIIB", false},
		{"-----BEGIN PUBLIC KEY-----\nMIIB", false},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl", true},
		{"AKIAIOSFODNN7EXAMPLE", true},
		{"AKIAshort", false},
		{"ghp_0123456789abcdefghijABCDEFGHIJ012345", true},
		{"xoxb-123456789012-abcdefghij", true},
		{"xoxb-1234567890", true}, // the shortest token shape (15 characters)
		{"sk_live_0123456789abcdefABCD", true},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", true},
		{"yYrECL4qbNwleYInGJYvVnSkwJuSQJ3Z", true},                  // random base62
		{"UpNVntn3cDxHJpq99YMc1T1AQgQpc8kfYTuRgBiYa15B/u2oq", true}, // base64
		{"625729a08b95bf1b7ff351a663f3a23c", false},                 // hex: a digest or commit id as often as a key
		{"sha256:9a4c8e0f1e2d3c4b5a69788766554433", false},
		{"MyCompanyProductionCluster2024", false},
		{"v1.2.3-alpha.4+build.567", false},
		{"-Xms512m -Xmx512m -XX:MaxRAM=2g", false},
		{"Europe/Amsterdam", false},
		{"/usr/share/elasticsearch/config/certs", false},
		{"AccountName=x;AccountKey=abc==", true},
	}
	for _, tt := range tests {
		if got := Value(tt.value); got != tt.want {
			t.Errorf("Value(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestSecretEnvOverrides(t *testing.T) {
	s := &model.Service{Options: model.ServiceOptions{SecretEnv: []string{"LICENSE"}, PlainEnv: []string{"API_TOKEN"}, ConfigEnv: []string{"SMTP_PASS"}}}
	tests := []struct {
		e    model.EnvVar
		want bool
	}{
		{model.EnvVar{Name: "LICENSE", Value: "abc"}, true},
		{model.EnvVar{Name: "API_TOKEN", Value: "3600"}, false},
		{model.EnvVar{Name: "API_TOKEN", Value: "AKIAIOSFODNN7EXAMPLE"}, false}, // plainEnv wins over the value too
		{model.EnvVar{Name: "SMTP_PASS", Value: "x"}, false},                    // configEnv is plainEnv
		{model.EnvVar{Name: "OTHER", Value: "x", Secret: true}, true},
		{model.EnvVar{Name: "DATABASE_URL", Value: "postgres://u:p@db/x"}, true},
		{model.EnvVar{Name: "PLAIN", Value: "x"}, false},
	}
	for _, tt := range tests {
		if got := Env(s, tt.e); got != tt.want {
			t.Errorf("Env(%s) = %v, want %v", tt.e.Name, got, tt.want)
		}
	}
}

func TestNameWords(t *testing.T) {
	tests := map[string][]string{
		"dbPassword":          {"DB", "PASSWORD"},
		"APIKey":              {"API", "KEY"},
		"MYSQL_ROOT_PASSWORD": {"MYSQL", "ROOT", "PASSWORD"},
		"oauth2Token":         {"OAUTH2", "TOKEN"},
		"a.b-c":               {"A", "B", "C"},
	}
	for in, want := range tests {
		if diff := cmp.Diff(want, nameWords(in)); diff != "" {
			t.Errorf("nameWords(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestSecretFile(t *testing.T) {
	tests := []struct {
		name, content string
		want          bool
	}{
		{"nginx.conf", "server { listen 80; }\n", false},
		{"server.key", "anything", true},
		{".env", "A=1", true},
		{"prod.env", "A=1", true},
		{"id_rsa", "x", true},
		{"db_password.txt", "x", true},
		{"cert.pem", "-----BEGIN RSA PRIVATE KEY-----\nx\n", true},
		{"ca.pem", "-----BEGIN CERTIFICATE-----\nx\n", false},
		{"datasource.yml", "apiVersion: 1\ndatasources:\n  - name: db\n    password: s3cret\n", true},
		{"datasource.yml", "datasources:\n  - name: db\n    password_file: /run/secrets/db\n", false},
		{"prometheus.yml", "scrape_configs:\n  - job_name: x\n    basic_auth:\n      username: u\n", false},
		{"app.json", `{"apiKey": "abc123", "debug": true}`, true},
		{"app.ini", "[db]\nurl = postgres://u:p@db/x\n", true},
		{"settings.py", "SECRET_KEY = 'abc'\n", true},
		{"settings.py", "SECRET_KEY = os.environ['SECRET_KEY']\n", true},
		{"script.sh", "#!/bin/sh\nexport TOKEN_TTL=10\n", false}, // a setting about a token, not one
		{"script.sh", "#!/bin/sh\nexport API_TOKEN=abc\n", true},
		{"logo.png", "\x89PNG\x00\xff", false},
		{"kibana.yml", "elasticsearch.password: ${KIBANA_SYSTEM_PASSWORD}\n", false},
		{"otelcol-config.yml", "    password: ${env:POSTGRES_MONITORING_PASSWORD}\n", false},
		{"logstash.conf", "\t\tpassword => \"${LOGSTASH_INTERNAL_PASSWORD}\"\n", false},
		{"logstash.conf", "\t\tpassword => \"changeme\"\n", true},
		{"healthcheck.sh", "export PGPASSWORD=\"${POSTGRES_PASSWORD:-}\"\n", false},
		{"app.json", `{"password": "{{ .Values.pw }}"}`, false},
	}
	for _, tt := range tests {
		if got := File(tt.name, []byte(tt.content)); got != tt.want {
			t.Errorf("File(%q, %q) = %v, want %v", tt.name, tt.content, got, tt.want)
		}
	}
}
