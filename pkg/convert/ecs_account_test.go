package convert

import "testing"

func TestECSNorm(t *testing.T) {
	tests := []struct{ in, norm, canon string }{
		{"containerDefinitions[1].portMappings[0].hostPort", "containerDefinitions[1].portMappings[0].hostPort", "containerDefinitions[].portMappings[].hostPort"},
		{"taskDefinition.containerDefinitions[0].image", "containerDefinitions[0].image", "containerDefinitions[].image"},
		{"web:taskDefinition.family", "family", "family"},
		{"web:containerDefinitions[0].name", "containerDefinitions[0].name", "containerDefinitions[].name"},
		{"[2].entryPoint", "containerDefinitions[2].entryPoint", "containerDefinitions[].entryPoint"},
		{"api:[0].image", "containerDefinitions[0].image", "containerDefinitions[].image"},
		{"Resources.Task.Properties.ContainerDefinitions[0].PortMappings[1].ContainerPort", "containerDefinitions[0].portMappings[1].containerPort", "containerDefinitions[].portMappings[].containerPort"},
		{"Resources.Task.Properties.Volumes[0].EFSVolumeConfiguration.FilesystemId", "volumes[0].efsVolumeConfiguration.fileSystemId", "volumes[].efsVolumeConfiguration.fileSystemId"},
		{"Resources.Task.Properties.ProxyConfiguration.ProxyConfigurationProperties[0].Name", "proxyConfiguration.properties[0].name", "proxyConfiguration.properties[].name"},
		{"services[0].desiredCount", "services[0].desiredCount", "services[].desiredCount"},
	}
	for _, tt := range tests {
		if got := ecsNorm(tt.in); got != tt.norm {
			t.Errorf("ecsNorm(%q) = %q, want %q", tt.in, got, tt.norm)
		}
		if got := ecsCanon(tt.in); got != tt.canon {
			t.Errorf("ecsCanon(%q) = %q, want %q", tt.in, got, tt.canon)
		}
	}
}

func TestLookupRuleWalksUp(t *testing.T) {
	table := ecsPassive()
	for _, p := range []string{"containerDefinitions[].linuxParameters.devices[].hostPath", "requiresAttributes[].name", "proxyConfiguration.properties[].value"} {
		if lookupRule(table, p) == nil {
			t.Errorf("no rule for %s", p)
		}
	}
	if lookupRule(table, "containerDefinitions[].image") != nil {
		t.Error("image has a passive rule: it must be accounted by the container rules")
	}
}
