package convert

import (
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// imagePort is a port a well-known image listens on.
type imagePort struct {
	Port int32
	// HTTP: the port speaks HTTP (ingress-capable).
	HTTP bool
	// Name is the port name berth gives it.
	Name string
	// Data: the port serves a data store's data (a database, cache, queue or object store
	// protocol), which must not become public by accident (private.go). Every port of a
	// stateful image is, except its management UIs.
	Data bool
}

// imageInfo is what berth knows about a well-known image.
type imageInfo struct {
	Ports []imagePort
	// Stateful: the image holds state on its volumes (database, queue, object store); with a
	// named volume it becomes a StatefulSet.
	Stateful bool
}

func httpPort(port int32) imagePort             { return imagePort{Port: port, HTTP: true, Name: "http"} }
func tcpPort(port int32, name string) imagePort { return imagePort{Port: port, Name: name} }

// knownImages maps an image's repository (without registry, "library/" and tag; the last path
// segment also matches) to what berth knows about it. The one table of image knowledge: ports
// for Services when Compose declares none, and which images hold state.
func knownImages() map[string]imageInfo {
	data := func(ports []imagePort) []imagePort {
		for i := range ports {
			ports[i].Data = ports[i].Name != "management" && ports[i].Name != "monitor"
		}
		return ports
	}
	db := func(ports ...imagePort) imageInfo { return imageInfo{Ports: data(ports), Stateful: true} }
	cache := func(ports ...imagePort) imageInfo { return imageInfo{Ports: data(ports)} }
	app := func(ports ...imagePort) imageInfo { return imageInfo{Ports: ports} }
	return map[string]imageInfo{
		"postgres":           db(tcpPort(5432, "postgres")),
		"postgresql":         db(tcpPort(5432, "postgres")),
		"postgis/postgis":    db(tcpPort(5432, "postgres")),
		"timescaledb":        db(tcpPort(5432, "postgres")),
		"pgvector":           db(tcpPort(5432, "postgres")), // pgvector/pgvector, ankane/pgvector: PostgreSQL with the vector extension
		"mysql":              db(tcpPort(3306, "mysql")),
		"mariadb":            db(tcpPort(3306, "mysql")),
		"percona":            db(tcpPort(3306, "mysql")),
		"mongo":              db(tcpPort(27017, "mongodb")),
		"mongodb":            db(tcpPort(27017, "mongodb")),
		"redis":              db(tcpPort(6379, "redis")),
		"valkey":             db(tcpPort(6379, "redis")),
		"redis-stack-server": db(tcpPort(6379, "redis")),
		"keydb":              db(tcpPort(6379, "redis")),
		"rabbitmq":           db(tcpPort(5672, "amqp"), imagePort{Port: 15672, HTTP: true, Name: "management"}),
		"elasticsearch":      db(httpPort(9200), tcpPort(9300, "transport")),
		"opensearch":         db(httpPort(9200), tcpPort(9300, "transport")),
		"cassandra":          db(tcpPort(9042, "cql")),
		"scylla":             db(tcpPort(9042, "cql")),
		"zookeeper":          db(tcpPort(2181, "client")),
		"cp-zookeeper":       db(tcpPort(2181, "client")),
		"kafka":              db(tcpPort(9092, "kafka")),
		"cp-kafka":           db(tcpPort(9092, "kafka")),
		"cp-server":          db(tcpPort(9092, "kafka")),
		"minio":              db(httpPort(9000), imagePort{Port: 9001, HTTP: true, Name: "management"}), // the console (--console-address :9001)
		"etcd":               db(tcpPort(2379, "client"), tcpPort(2380, "peer")),
		"nats":               db(tcpPort(4222, "client"), tcpPort(6222, "cluster"), imagePort{Port: 8222, HTTP: true, Name: "monitor"}),
		"clickhouse-server":  db(httpPort(8123), tcpPort(9000, "native")),
		"influxdb":           db(httpPort(8086)),
		"neo4j":              db(httpPort(7474), tcpPort(7687, "bolt")),
		"couchdb":            db(httpPort(5984)),
		"solr":               db(httpPort(8983)),
		"mssql/server":       db(tcpPort(1433, "mssql")),
		"memcached":          cache(tcpPort(11211, "memcache")),
		"qdrant":             db(httpPort(6333), tcpPort(6334, "grpc")),
		"meilisearch":        db(httpPort(7700)),
		"typesense":          db(httpPort(8108)),
		"redpanda":           db(tcpPort(9092, "kafka")),
		"nginx":              app(httpPort(80)),
		"nginx-unprivileged": app(httpPort(8080)),
		"httpd":              app(httpPort(80)),
		"caddy":              app(httpPort(80), imagePort{Port: 443, HTTP: true, Name: "https"}),
		"traefik":            app(httpPort(80)),
		"haproxy":            app(httpPort(80)),
		"grafana":            app(httpPort(3000)),
		"prometheus":         app(httpPort(9090)),
		"adminer":            app(httpPort(8080)),
		"phpmyadmin":         app(httpPort(80)),
		"wordpress":          app(httpPort(80)),
		"keycloak":           app(httpPort(8080)),
		"mailhog":            app(tcpPort(1025, "smtp"), imagePort{Port: 8025, HTTP: true, Name: "http"}),
		"mailpit":            app(tcpPort(1025, "smtp"), imagePort{Port: 8025, HTTP: true, Name: "http"}),
		"vault":              app(httpPort(8200)),
		"consul":             app(httpPort(8500)),
		"registry":           app(httpPort(5000)),
		"mosquitto":          app(tcpPort(1883, "mqtt")),
		"eclipse-mosquitto":  app(tcpPort(1883, "mqtt")),
		"localstack":         app(httpPort(4566)),
		"guacd":              app(tcpPort(4822, "guacd")), // guacamole/guacd, Apache Guacamole's proxy daemon
		"guacamole":          app(httpPort(8080)),
		"php-fpm":            app(fastCGI), // bitnami/php-fpm
	}
}

// fastCGI is the port php-fpm listens on (FastCGI, not HTTP: a web server in front speaks it).
var fastCGI = tcpPort(9000, "fastcgi")

// fpmTag reports whether an image tag names a php-fpm variant (php:8.3-fpm, wordpress:fpm,
// nextcloud:28-fpm-alpine, monica:fpm): the image runs php-fpm, not the web server its
// repository's default tag runs.
func fpmTag(tag string) bool {
	return slices.Contains(strings.FieldsFunc(strings.ToLower(tag), func(r rune) bool { return r == '-' || r == '_' || r == '.' }), "fpm")
}

// imageRef is a parsed image reference.
type imageRef struct {
	// Repo is the repository path without registry and "library/" (e.g. "bitnami/redis").
	Repo   string
	Tag    string
	Digest string
}

// parseImage splits an image reference. It is lenient: any string gives some result.
func parseImage(image string) imageRef {
	var r imageRef
	if i := strings.Index(image, "@"); i >= 0 {
		image, r.Digest = image[:i], image[i+1:]
	}
	if i := strings.LastIndex(image, ":"); i >= 0 && !strings.Contains(image[i:], "/") {
		image, r.Tag = image[:i], image[i+1:]
	}
	parts := strings.Split(image, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		parts = parts[1:]
	}
	if len(parts) > 1 && parts[0] == "library" {
		parts = parts[1:]
	}
	r.Repo = strings.ToLower(strings.Join(parts, "/"))
	return r
}

// containerImage returns what berth knows about the image c runs, and the image that says so:
// for an image built from a Dockerfile berth read, the image its built stage starts FROM
// when berth knows that one (a custom postgres image is postgres, whatever its name), else
// c's image.
func (b *builder) containerImage(c *model.Container) (imageInfo, string, bool) {
	if c.Build != nil && c.Build.BaseImage != "" {
		if info, ok := b.lookupImage(c.Build.BaseImage); ok {
			return info, c.Build.BaseImage, true
		}
	}
	info, ok := b.lookupImage(c.Image)
	return info, c.Image, ok
}

// builtFrom is ", the image its Dockerfile builds FROM" when image is c's base image, not its
// own name: a message names the image that decided.
func builtFrom(c *model.Container, image string) string {
	if c.Build != nil && image == c.Build.BaseImage && image != c.Image {
		return ", the image its Dockerfile builds FROM"
	}
	return ""
}

// tableName is how a message names the table entry image matched: its repository, with the
// tag when the tag decided (php-fpm).
func tableName(image string) string {
	ref := parseImage(image)
	if fpmTag(ref.Tag) {
		return ref.Repo + ":" + ref.Tag
	}
	return ref.Repo
}

// lookupImage returns what berth knows about image, matching the repository path first and
// then its last segment (bitnami/postgresql → postgresql). A php-fpm tag (fpmTag) is FastCGI
// on 9000 whatever the repository. The table is built once per conversion.
func (b *builder) lookupImage(image string) (imageInfo, bool) {
	if image == "" {
		return imageInfo{}, false
	}
	if b.images == nil {
		b.images = knownImages()
	}
	table := b.images
	ref := parseImage(image)
	if fpmTag(ref.Tag) {
		return imageInfo{Ports: []imagePort{fastCGI}}, true
	}
	repo := ref.Repo
	if info, ok := table[repo]; ok {
		return info, true
	}
	if i := strings.LastIndex(repo, "/"); i >= 0 {
		info, ok := table[repo[i+1:]]
		return info, ok
	}
	return imageInfo{}, false
}

// floatingTag reports whether image ref's tag moves to new images over time: empty, latest, a
// tag without any digit (stable, alpine, lts), or a version short of a patch release with an
// optional variant: major-only (16, v20, 16-alpine) or major.minor (mariadb:10.11, proxy:3.6,
// valkey:8.0-alpine, v2.0), under which patch releases land. Images whose releases are
// numbered major.minor (PostgreSQL since 10: 16.4 is a patch release) float only on the major.
// Such tags get imagePullPolicy Always so nodes do not run stale images.
func floatingTag(ref imageRef) bool {
	tag := ref.Tag
	if tag == "" || !strings.ContainsAny(tag, "0123456789") {
		return true
	}
	v := tag
	if i := strings.IndexAny(v, "-_"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "V")
	parts := strings.Split(v, ".")
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false // not a version number (a date, a commit, RELEASE.2024-...)
		}
	}
	short := 3
	if twoPartVersions(ref.Repo) {
		short = 2
	}
	return len(parts) < short
}

// twoPartVersions reports whether the image numbers its releases major.minor, the minor being
// the patch release.
func twoPartVersions(repo string) bool {
	switch repo {
	case "postgres", "postgis/postgis":
		return true
	}
	return false
}
