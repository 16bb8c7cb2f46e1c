package report

// fieldsHead opens the table of a service's or the project's input fields.
const fieldsHead = "<table class=\"fields\"><thead><tr><th>Input field</th><th>Position</th><th>Outcome</th><th>Became / reason</th></tr></thead><tbody>\n"

// services writes one collapsible section per service: its objects, workload details and
// input fields.
func (p *page) services(services []Service) {
	p.raw("<section id=\"services\">\n<h2>Services</h2>\n")
	for i := range services {
		s := &services[i]
		p.raw("<details class=\"service\" id=\"svc-")
		p.text(s.Name)
		p.raw("\">\n<summary>")
		p.text(s.Name)
		if len(s.Objects) > 0 {
			p.raw(" <span class=\"objs\">")
			for j, o := range s.Objects {
				if j > 0 {
					p.raw(", ")
				}
				p.text(o)
			}
			p.raw("</span>")
		}
		p.raw("</summary>\n")
		p.podSecurity(s)
		p.resources(s.Resources)
		p.volumes(s.Volumes)
		p.raw(fieldsHead)
		for _, f := range s.Fields {
			p.fieldRow(f)
		}
		if len(s.Fields) == 0 {
			p.raw("<tr><td colspan=\"4\">No input fields recorded.</td></tr>")
		}
		p.raw("</tbody></table>\n</details>\n")
	}
	p.raw("</section>\n")
}

// podSecurity writes the Pod Security grade of the service's workload and why stricter
// levels reject it.
func (p *page) podSecurity(s *Service) {
	if g := s.PodSecurity; g != nil {
		p.raw("<p class=\"psa\">Pod Security: <span class=\"psa-")
		p.text(g.Level)
		p.raw("\">")
		p.text(g.Level)
		p.raw("</span></p>")
		p.rejects("baseline", g.Baseline)
		p.rejects("restricted", g.Restricted)
	}
	p.raw("\n")
}

// rejects lists what a Pod Security level rejects, if anything.
func (p *page) rejects(level string, reasons []string) {
	if len(reasons) == 0 {
		return
	}
	p.raw("<ul class=\"psa-why\">")
	for _, r := range reasons {
		p.raw("<li>", level, " rejects: ")
		p.text(r)
		p.raw("</li>")
	}
	p.raw("</ul>")
}

// resources writes the requests and limits of the workload's containers.
func (p *page) resources(rs []Resources) {
	if len(rs) > 0 {
		p.raw("<table class=\"resources\"><thead><tr><th>Container</th><th>CPU request</th><th>Memory request</th><th>CPU limit</th><th>Memory limit</th></tr></thead><tbody>")
		for _, r := range rs {
			p.raw("<tr><td>")
			p.text(r.Container)
			if r.Role != "" {
				p.raw(" (")
				p.text(r.Role)
				p.raw(")")
			}
			p.raw("</td>")
			p.numCells(r.CPU, r.Memory, r.CPULimit, r.MemLimit)
			p.raw("</tr>")
		}
		p.raw("</tbody></table>")
	}
	p.raw("\n")
}

// volumes writes the service's mounts and where their data comes from.
func (p *page) volumes(vs []VolumeUse) {
	if len(vs) > 0 {
		p.raw("<table class=\"volumes\"><thead><tr><th>Volume</th><th>Mount</th><th>Where its data comes from</th></tr></thead><tbody>")
		for _, v := range vs {
			p.raw("<tr><td>")
			if v.Container != "" {
				p.text(v.Container)
				p.raw(": ")
			}
			if v.Source != "" {
				p.raw("<code>")
				p.text(v.Source)
				p.raw("</code>")
			} else {
				p.text(v.Type)
			}
			p.raw("</td><td><code>")
			p.text(v.Target)
			p.raw("</code></td><td>")
			p.text(v.Data)
			p.raw("</td></tr>")
		}
		p.raw("</tbody></table>")
	}
	p.raw("\n")
}

// fieldRow writes one input field: its path, position, outcome and what it became or why not.
func (p *page) fieldRow(f Field) {
	p.raw("<tr><td><code>")
	p.text(f.Path)
	p.raw("</code></td><td>")
	p.text(f.Pos)
	p.raw("</td><td class=\"")
	p.text(outcomeClass(string(f.Outcome)))
	p.raw("\">")
	p.text(string(f.Outcome))
	p.raw("</td><td>")
	for _, t := range f.Targets {
		p.raw("<code>")
		p.text(t)
		p.raw("</code><br>")
	}
	for _, r := range f.Reasons {
		p.text(r)
		p.raw("<br>")
	}
	p.raw("</td></tr>\n")
}

// project writes the top-level input fields, if any.
func (p *page) project(fields []Field) {
	if len(fields) == 0 {
		return
	}
	p.raw("<section id=\"project\">\n<h2>Project</h2>\n", fieldsHead)
	for _, f := range fields {
		p.fieldRow(f)
	}
	p.raw("</tbody></table>\n</section>")
}
