package convert

// Render exposes the golden rendering to the external test package (compose-based goldens).
var Render = render

// Golden exposes the golden comparison to the external test package.
var Golden = golden
