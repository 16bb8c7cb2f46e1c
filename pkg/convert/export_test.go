package convert

import "github.com/berth-dev/berth/pkg/model"

// Render exposes the golden rendering to the external test package (compose-based goldens).
var Render = render

// Golden exposes the golden comparison to the external test package.
var Golden = golden

// ObjectNames maps the app's service names to their object names (the pods'
// app.kubernetes.io/name label).
func ObjectNames(app *model.App) map[string]string {
	b := &builder{app: app}
	b.assignNames()
	return b.names
}
