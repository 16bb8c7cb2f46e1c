package report

import (
	_ "embed" // the HTML report's style, scripts and the vendored layout library
	"fmt"
	"strconv"
)

var (
	//go:embed assets/report.css
	htmlCSS string
	// The page's scripts, run in this order: graph layout and drawing, pan and zoom, details.
	//go:embed assets/graph.js
	graphJS string
	//go:embed assets/viewport.js
	viewportJS string
	//go:embed assets/details.js
	detailsJS string
	//go:embed assets/dagre.min.js
	dagreJS string
)

// graphData is the JSON the page's script reads: the graph plus each service's fields.
type graphData struct {
	App      string    `json:"app"`
	Graph    *Graph    `json:"graph"`
	Services []Service `json:"services"`
}

// htmlReport renders r as one self-contained page: style, scripts and data are inlined, so it
// opens without network access. The service graph is laid out in the browser by the vendored
// dagre (assets/README.md). Input strings only ever reach the page through page.text and
// jsonValue.
func htmlReport(r *Report) ([]byte, error) {
	g := r.Graph
	if g == nil {
		g = &Graph{Nodes: []Node{}, Edges: []Edge{}, Networks: []string{}}
	}
	data, err := jsonValue(graphData{App: r.App, Graph: g, Services: r.Services})
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	var p page
	p.b.Grow(len(htmlCSS) + len(dagreJS) + len(graphJS) + len(viewportJS) + len(detailsJS) + 2*len(data) + 8192)
	p.head(r)
	p.graphSection(r.Services)
	p.totals(&r.Totals)
	p.diagnostics(r)
	p.services(r.Services)
	p.project(r.Project)
	p.raw("\n</main>\n<script id=\"berth-data\" type=\"application/json\">")
	p.b.Write(data)
	// Trusted: the embedded files of this package, never input.
	p.raw("</script>\n<script>", dagreJS, "</script>\n<script>", graphJS, "\n", viewportJS, "\n", detailsJS,
		"</script>\n</body>\n</html>\n")
	return p.b.Bytes(), nil
}

// head writes the document head with the embedded style and the page header.
func (p *page) head(r *Report) {
	p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>berth report: ")
	p.text(r.App)
	p.raw("</title>\n<style>", htmlCSS, "</style>\n</head>\n<body>\n<header>\n<h1>berth conversion report: ")
	p.text(r.App)
	p.raw("</h1>\n<p>Source: ")
	p.text(r.Source)
	p.raw(" (")
	for i, f := range r.Files {
		if i > 0 {
			p.raw(", ")
		}
		p.raw("<code>")
		p.text(f)
		p.raw("</code>")
	}
	p.raw(")")
	if r.Namespace != "" {
		p.raw(" · namespace <code>")
		p.text(r.Namespace)
		p.raw("</code>")
	}
	p.raw(" · ", strconv.Itoa(len(r.Services)), " services · ", strconv.Itoa(r.Totals.Fields), " input fields</p>\n</header>\n<main>\n")
}

// graphSection writes the frame the script draws the service graph in, with its controls.
func (p *page) graphSection(services []Service) {
	p.raw("<section id=\"graph-section\">\n<h2>Service graph</h2>\n",
		"<p class=\"legend\"><span class=\"pub\">public entry point</span> arrows: depends_on (ECS: dependsOn between the containers of a task), labelled with the condition; dashed: optional; boxes: networks and ECS tasks. Drag to pan; Ctrl/⌘ + wheel or the buttons to zoom.</p>\n",
		"<div id=\"graph\" tabindex=\"0\"><div id=\"graph-controls\" hidden><input id=\"find\" list=\"service-names\" placeholder=\"find a service\" aria-label=\"find a service\"><datalist id=\"service-names\">")
	for _, s := range services {
		p.raw("<option value=\"")
		p.text(s.Name)
		p.raw("\">")
	}
	p.raw("</datalist>",
		"<button type=\"button\" data-zoom=\"in\" title=\"zoom in (+)\">+</button>",
		"<button type=\"button\" data-zoom=\"out\" title=\"zoom out (-)\">−</button>",
		"<button type=\"button\" data-zoom=\"fit\" title=\"show the whole graph (f)\">Fit</button>",
		"<button type=\"button\" data-zoom=\"actual\" title=\"actual size (0)\">100%</button>",
		"<span id=\"zoom-level\"></span></div></div>\n",
		"<aside id=\"details\"><p>Select a service to see its fields.</p></aside>\n</section>\n")
}

// totals writes the totals tables: objects by kind, diagnostics by severity, fields by
// outcome, and the requests.
func (p *page) totals(t *Totals) {
	p.raw("<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"tables\">\n",
		"<table><thead><tr><th>Kind</th><th>Objects</th></tr></thead><tbody>")
	for _, c := range t.Objects {
		p.countRow("", c)
	}
	p.raw("</tbody></table>\n<table><thead><tr><th>Severity</th><th>Diagnostics</th></tr></thead><tbody>")
	for _, c := range t.Diagnostics {
		p.countRow("", c)
	}
	if len(t.Diagnostics) == 0 {
		p.raw("<tr><td colspan=\"2\">none</td></tr>")
	}
	p.raw("</tbody></table>\n<table><thead><tr><th>Outcome</th><th>Fields</th></tr></thead><tbody>")
	for _, c := range t.Outcomes {
		p.countRow(outcomeClass(c.Name), c)
	}
	p.raw("</tbody></table>\n")
	q := t.Requests
	p.raw("<table id=\"requests\"><thead><tr><th>Requests</th><th>CPU</th><th>Memory</th></tr></thead><tbody>",
		"<tr><td>Deployments and StatefulSets</td>")
	p.numCells(q.CPU, q.Memory)
	p.raw("</tr>")
	if q.PerNodeCPU != "" {
		p.raw("<tr><td>DaemonSets, per node</td>")
		p.numCells(q.PerNodeCPU, q.PerNodeMemory)
		p.raw("</tr>")
	}
	p.raw("</tbody></table>\n</div>\n</section>\n")
}

// countRow writes a row of a totals table; class, when set, is the class of its name cell.
func (p *page) countRow(class string, c Count) {
	p.raw("<tr><td")
	if class != "" {
		p.raw(" class=\"")
		p.text(class)
		p.raw("\"")
	}
	p.raw(">")
	p.text(c.Name)
	p.raw("</td><td class=\"n\">", strconv.Itoa(c.Count), "</td></tr>")
}

// numCells writes right-aligned cells.
func (p *page) numCells(values ...string) {
	for _, v := range values {
		p.raw("<td class=\"n\">")
		p.text(v)
		p.raw("</td>")
	}
}

// diagnostics writes the list of diagnostics, if any.
func (p *page) diagnostics(r *Report) {
	if len(r.Diagnostics) > 0 {
		p.raw("<section id=\"diagnostics\">\n<h2>Diagnostics</h2>\n<ul>")
		for _, d := range r.Diagnostics {
			sev := d.Severity.String()
			p.raw("<li class=\"sev-")
			p.text(sev)
			p.raw("\">")
			p.text(sev)
			p.raw(": ")
			p.text(d.String())
			p.raw("</li>")
		}
		p.raw("</ul>\n</section>")
	}
	p.raw("\n")
}

// outcomeClass is the CSS class of an outcome's cell.
func outcomeClass(outcome string) string { return "o-" + outcome }
