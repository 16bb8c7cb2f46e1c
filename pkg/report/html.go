package report

import (
	"bytes"
	_ "embed" // the HTML report's template, style, script and the vendored layout library
	"fmt"
	"html/template"
)

var (
	//go:embed assets/report.html.tmpl
	htmlTemplate string
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

// htmlData is what the template sees: the report, and its graph data for the script.
type htmlData struct {
	R      *Report
	Data   any
	CSS    template.CSS
	Dagre  template.JS
	Script template.JS
}

// graphData is the JSON the page's script reads: the graph plus each service's fields.
type graphData struct {
	App      string    `json:"app"`
	Graph    *Graph    `json:"graph"`
	Services []Service `json:"services"`
}

// htmlReport renders r as one self-contained page: style, scripts and data are inlined, so it
// opens without network access. The service graph is laid out in the browser by the vendored
// dagre (assets/README.md).
func htmlReport(r *Report) ([]byte, error) {
	t, err := template.New("report").Funcs(template.FuncMap{
		"outcomeClass": func(o any) string { return fmt.Sprintf("o-%v", o) },
	}).Parse(htmlTemplate)
	if err != nil {
		return nil, fmt.Errorf("html template: %w", err)
	}
	g := r.Graph
	if g == nil {
		g = &Graph{Nodes: []Node{}, Edges: []Edge{}, Networks: []string{}}
	}
	d := htmlData{
		R:    r,
		Data: graphData{App: r.App, Graph: g, Services: r.Services},
		// Trusted: the embedded files of this package, never input.
		CSS:    template.CSS(htmlCSS),
		Dagre:  template.JS(dagreJS),
		Script: template.JS(graphJS + "\n" + viewportJS + "\n" + detailsJS),
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	return buf.Bytes(), nil
}
