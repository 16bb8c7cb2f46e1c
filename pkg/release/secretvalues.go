package release

import (
	"fmt"

	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/yaml"
)

// WithSecretValues merges a chart's secret-values.yaml (the Secret data berth read at convert
// time, which neither the templates nor values.yaml hold) into the chart's default values, so
// a release berth deploys from its own conversion gets the data the plain output would have.
// Values the user gives still win. Nil or empty data changes nothing.
func WithSecretValues(chrt *chart.Chart, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var v map[string]any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("chart %s: secret values: %w", chrt.Name(), err)
	}
	chrt.Values = chartutil.CoalesceTables(v, chrt.Values)
	return nil
}
