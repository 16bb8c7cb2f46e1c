package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
)

// private.go: nothing public by accident. Compose files publish database ports for the
// developer's convenience ("5432:5432"): on a laptop that is localhost, on a cluster a public
// LoadBalancer. A published port of a data store stays on its ClusterIP Service, which the app
// uses anyway, unless x-berth.expose or --expose asks for exposure on purpose.

// dataPortNumbers are the well-known client ports of data stores, for images berth's table
// does not know: PostgreSQL, MySQL (+X), MongoDB, Redis, Memcached, Elasticsearch, ClickHouse
// HTTP, Kafka, ZooKeeper, AMQP, Qdrant, Cassandra, Neo4j Bolt, CouchDB, SQL Server, Oracle,
// CockroachDB, RethinkDB, ArangoDB, etcd. 9000 is left out: php-fpm and many apps use it.
var dataPortNumbers = map[int32]bool{
	5432: true, 3306: true, 33060: true, 27017: true, 6379: true, 11211: true, 9200: true, 9300: true,
	8123: true, 9092: true, 2181: true, 5672: true, 6333: true, 6334: true, 9042: true, 7687: true,
	5984: true, 1433: true, 1521: true, 26257: true, 28015: true, 8529: true, 2379: true,
}

// dataPort reports whether lp of pl is a data store's port, and what says so: the image
// table for a known image's ports; any other port of a data store's image (Kafka's JMX 9101,
// a cluster bus, an exporter) is its inside too, only the management UIs the table lists may
// be public; else the port number.
func (b *builder) dataPort(pl *plan, lp *listenPort) (string, bool) {
	if info, image, ok := b.containerImage(&pl.Svc.Containers[lp.Container]); ok {
		store := false
		for _, ip := range info.Ports {
			if ip.Port == lp.Port {
				return tableName(image), ip.Data && lp.Protocol == "TCP"
			}
			store = store || ip.Data
		}
		if store && lp.Protocol == "TCP" {
			return tableName(image), true
		}
	}
	if dataPortNumbers[lp.Port] && lp.Protocol == "TCP" {
		return "a well-known data-store port", true
	}
	return "", false
}

// exposeExplicit reports whether the user chose how pl is exposed: x-berth.expose on the
// service or the project, or --expose.
func (b *builder) exposeExplicit(pl *plan) bool {
	return pl.Svc.Options.Expose != "" || b.opts.Expose != ExposeAuto
}

// keepDataPrivate withdraws the published data-store ports of every service whose exposure
// the user did not choose, before exposure() looks at them, with one warning per service.
func (b *builder) keepDataPrivate() {
	for _, s := range b.app.Services {
		pl := b.plans[s.Name]
		if b.exposeExplicit(pl) {
			continue
		}
		var kept []string
		field := ""
		for _, lp := range pl.Ports {
			if len(lp.Published) == 0 {
				continue
			}
			what, ok := b.dataPort(pl, lp)
			if !ok {
				continue
			}
			kept = append(kept, fmt.Sprintf("%d (%s)", lp.Port, what))
			reason := "published port of a data store: kept on the ClusterIP Service (set x-berth.expose to publish it on purpose)"
			for _, f := range lp.Fields {
				if field == "" {
					field = f
				}
				b.ledger.Record(diag.Entry{Service: s.Name, Field: f, Outcome: diag.Partial, Targets: []string{"Service/" + pl.Name}, Reason: reason})
			}
			lp.Published = nil
		}
		if len(kept) == 0 {
			continue
		}
		if field == "" {
			field = s.Field
		}
		b.ledger.Breakf(s.Name, field, "data store: published %s %s %s inside the cluster (Service %s, ClusterIP): Compose "+
			"publishes it for the developer's convenience, on a cluster it would be public; reach it with "+
			"kubectl port-forward svc/%s %s, or set x-berth.expose (or --expose) to publish it on purpose",
			plural(len(kept), "port", "ports"), strings.Join(kept, ", "), plural(len(kept), "stays", "stay"), pl.Name, pl.Name, firstPort(kept))
	}
}

// plural picks the singular or plural word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// firstPort is the port number at the start of the first "PORT (why)" entry.
func firstPort(kept []string) string {
	p, _, _ := strings.Cut(kept[0], " ")
	if _, err := strconv.Atoi(p); err != nil {
		return ""
	}
	return p
}
