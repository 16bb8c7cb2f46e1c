package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// Report formats.
const (
	Markdown = "markdown"
	JSON     = "json"
	HTML     = "html"
)

// FormatFor picks the report format from a file name's extension: .json → JSON, .html or
// .htm → HTML, .md, .markdown or none → Markdown.
func FormatFor(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return JSON, nil
	case ".html", ".htm":
		return HTML, nil
	case ".md", ".markdown", "":
		return Markdown, nil
	default:
		return "", fmt.Errorf("report %s: unknown extension %q (want .md, .json or .html)", path, filepath.Ext(path))
	}
}

// Render renders r in format.
func Render(r *Report, format string) ([]byte, error) {
	switch format {
	case JSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case Markdown:
		return markdown(r), nil
	case HTML:
		return htmlReport(r)
	default:
		return nil, fmt.Errorf("unknown report format %q", format)
	}
}

func markdown(r *Report) []byte {
	var b bytes.Buffer
	esc := cellReplacer()
	cell := esc.Replace
	fmt.Fprintf(&b, "# berth conversion report: %s\n\n", r.App)
	fmt.Fprintf(&b, "- Source: %s (%s)\n", r.Source, strings.Join(codeAll(r.Files), ", "))
	if r.Namespace != "" {
		fmt.Fprintf(&b, "- Namespace: `%s`\n", r.Namespace)
	}
	fmt.Fprintf(&b, "- Services: %d, input fields: %d\n\n", len(r.Services), r.Totals.Fields)
	b.WriteString("## Totals\n\n")
	countTable(&b, "Kind", "Objects", r.Totals.Objects)
	requestsTable(&b, r.Totals.Requests)
	nodesTable(&b, r.Totals.Nodes)
	countTable(&b, "Outcome", "Fields", r.Totals.Outcomes)
	countTable(&b, "Severity", "Diagnostics", r.Totals.Diagnostics)
	if len(r.Diagnostics) > 0 {
		b.WriteString("## Diagnostics\n\n")
		for _, d := range r.Diagnostics {
			fmt.Fprintf(&b, "- %s: %s\n", d.Severity, cell(d.String()))
		}
		b.WriteString("\n")
	}
	if len(r.Images) > 0 {
		b.WriteString("## Images\n\n| Service | Built from | Image |\n|---|---|---|\n")
		for _, im := range r.Images {
			from := ""
			if im.Context != "" {
				from = "`" + cell(im.Context) + "`"
				if im.Dockerfile != "" && im.Dockerfile != "Dockerfile" {
					from += " (`" + cell(im.Dockerfile) + "`)"
				}
				if im.Target != "" {
					from += " target `" + cell(im.Target) + "`"
				}
			}
			ref := "none: build and push it (berth build, berth apply --build)"
			if im.Ref != "" {
				ref = "`" + cell(im.Ref) + "`"
			}
			if im.By == "image" {
				ref += " (--image)"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", im.Service, from, ref)
		}
		b.WriteString("\n")
	}
	if len(r.Project) > 0 {
		b.WriteString("## Project\n\n")
		fieldTable(&b, r.Project, esc)
	}
	for _, s := range r.Services {
		fmt.Fprintf(&b, "## Service `%s`\n\n", s.Name)
		if len(s.Objects) > 0 {
			fmt.Fprintf(&b, "Objects: %s\n\n", strings.Join(codeAll(s.Objects), ", "))
		}
		workloadMarkdown(&b, s, esc)
		fieldTable(&b, s.Fields, esc)
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// workloadMarkdown writes a service's Pod Security grade, requests and limits, and volumes.
func workloadMarkdown(b *bytes.Buffer, s Service, esc *strings.Replacer) {
	cell := esc.Replace
	if g := s.PodSecurity; g != nil {
		fmt.Fprintf(b, "Pod Security: **%s**\n\n", g.Level)
		for _, v := range g.Baseline {
			fmt.Fprintf(b, "- baseline rejects: %s\n", cell(v))
		}
		for _, v := range g.Restricted {
			fmt.Fprintf(b, "- restricted rejects: %s\n", cell(v))
		}
		if len(g.Baseline)+len(g.Restricted) > 0 {
			b.WriteString("\n")
		}
	}
	if len(s.Resources) > 0 {
		b.WriteString("| Container | CPU request | Memory request | CPU limit | Memory limit |\n|---|---:|---:|---:|---:|\n")
		for _, r := range s.Resources {
			name := cell(r.Container)
			if r.Role != "" {
				name += " (" + r.Role + ")"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", name, r.CPU, r.Memory, r.CPULimit, r.MemLimit)
		}
		b.WriteString("\n")
	}
	if len(s.Volumes) > 0 {
		b.WriteString("| Volume | Mount | Where its data comes from |\n|---|---|---|\n")
		for _, v := range s.Volumes {
			src := v.Type
			if v.Source != "" {
				src = "`" + cell(v.Source) + "`"
			}
			if v.Container != "" {
				src = cell(v.Container) + ": " + src
			}
			fmt.Fprintf(b, "| %s | `%s` | %s |\n", src, cell(v.Target), cell(v.Data))
		}
		b.WriteString("\n")
	}
}

func countTable(b *bytes.Buffer, name, count string, rows []Count) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "| %s | %s |\n|---|---:|\n", name, count)
	for _, c := range rows {
		fmt.Fprintf(b, "| %s | %d |\n", c.Name, c.Count)
	}
	b.WriteString("\n")
}

func fieldTable(b *bytes.Buffer, fields []Field, esc *strings.Replacer) {
	cell := esc.Replace
	if len(fields) == 0 {
		b.WriteString("No input fields recorded.\n\n")
		return
	}
	b.WriteString("| Input field | Position | Outcome | Became / reason |\n|---|---|---|---|\n")
	for _, f := range fields {
		var what []string
		for _, t := range codeAll(f.Targets) {
			what = append(what, cell(t))
		}
		for _, r := range f.Reasons {
			what = append(what, cell(r))
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", cell(f.Path), cell(f.Pos), f.Outcome, strings.Join(what, "<br>"))
	}
	b.WriteString("\n")
}

// cellReplacer makes text safe inside a Markdown table cell: no column breaks, no line
// breaks, no HTML.
func cellReplacer() *strings.Replacer {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;")
}

func codeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + strings.ReplaceAll(s, "`", "'") + "`"
	}
	return out
}
