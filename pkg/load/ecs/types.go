package ecs

// These are berth's own mirror of the ECS RegisterTaskDefinition input (the AWS SDK's types carry
// no JSON tags). The json tag is the API name (register-task-definition input and
// describe-task-definition output); CloudFormation uses the same name with a capital first
// letter unless a cfn tag says otherwise. Keys are matched case-sensitively, as ECS does.
// Pointers and slices distinguish "absent or null" from zero values.

// taskDef is a task definition.
type taskDef struct {
	Family                  *string                `json:"family"`
	TaskRoleArn             *string                `json:"taskRoleArn"`
	ExecutionRoleArn        *string                `json:"executionRoleArn"`
	NetworkMode             *string                `json:"networkMode"`
	ContainerDefinitions    []containerDef         `json:"containerDefinitions"`
	Volumes                 []volume               `json:"volumes"`
	PlacementConstraints    []placementConstraint  `json:"placementConstraints"`
	RequiresCompatibilities []string               `json:"requiresCompatibilities"`
	CPU                     *units                 `json:"cpu"`
	Memory                  *units                 `json:"memory"`
	Tags                    []tag                  `json:"tags"`
	PidMode                 *string                `json:"pidMode"`
	IpcMode                 *string                `json:"ipcMode"`
	ProxyConfiguration      *proxyConfiguration    `json:"proxyConfiguration"`
	InferenceAccelerators   []inferenceAccelerator `json:"inferenceAccelerators"`
	EphemeralStorage        *ephemeralStorage      `json:"ephemeralStorage"`
	RuntimePlatform         *runtimePlatform       `json:"runtimePlatform"`
	EnableFaultInjection    *bool                  `json:"enableFaultInjection"`

	// Read-only fields of describe-task-definition output: accepted and reported as ignored.
	TaskDefinitionArn  *string             `json:"taskDefinitionArn" cfn:"-"`
	Revision           *int64              `json:"revision" cfn:"-"`
	Status             *string             `json:"status" cfn:"-"`
	RequiresAttributes []requiresAttribute `json:"requiresAttributes" cfn:"-"`
	Compatibilities    []string            `json:"compatibilities" cfn:"-"`
	RegisteredAt       *anyValue           `json:"registeredAt" cfn:"-"`
	RegisteredBy       *string             `json:"registeredBy" cfn:"-"`
	DeregisteredAt     *anyValue           `json:"deregisteredAt" cfn:"-"`
}

// describeOutput is `aws ecs describe-task-definition` output.
type describeOutput struct {
	TaskDefinition *taskDef `json:"taskDefinition"`
	Tags           []tag    `json:"tags"`
}

// containerDef is one container definition.
type containerDef struct {
	Name                   *string                `json:"name"`
	Image                  *string                `json:"image"`
	RepositoryCredentials  *repositoryCredentials `json:"repositoryCredentials"`
	CPU                    *int64                 `json:"cpu"`
	Memory                 *int64                 `json:"memory"`
	MemoryReservation      *int64                 `json:"memoryReservation"`
	Links                  []string               `json:"links"`
	PortMappings           []portMapping          `json:"portMappings"`
	Essential              *bool                  `json:"essential"`
	RestartPolicy          *restartPolicy         `json:"restartPolicy"`
	EntryPoint             []string               `json:"entryPoint"`
	Command                []string               `json:"command"`
	Environment            []keyValue             `json:"environment"`
	EnvironmentFiles       []environmentFile      `json:"environmentFiles"`
	MountPoints            []mountPoint           `json:"mountPoints"`
	VolumesFrom            []volumeFrom           `json:"volumesFrom"`
	LinuxParameters        *linuxParameters       `json:"linuxParameters"`
	Secrets                []secret               `json:"secrets"`
	DependsOn              []dependency           `json:"dependsOn"`
	StartTimeout           *int64                 `json:"startTimeout"`
	StopTimeout            *int64                 `json:"stopTimeout"`
	VersionConsistency     *string                `json:"versionConsistency"`
	Hostname               *string                `json:"hostname"`
	User                   *string                `json:"user"`
	WorkingDirectory       *string                `json:"workingDirectory"`
	DisableNetworking      *bool                  `json:"disableNetworking"`
	Privileged             *bool                  `json:"privileged"`
	ReadonlyRootFilesystem *bool                  `json:"readonlyRootFilesystem"`
	DNSServers             []string               `json:"dnsServers"`
	DNSSearchDomains       []string               `json:"dnsSearchDomains"`
	ExtraHosts             []hostEntry            `json:"extraHosts"`
	DockerSecurityOptions  []string               `json:"dockerSecurityOptions"`
	Interactive            *bool                  `json:"interactive"`
	PseudoTerminal         *bool                  `json:"pseudoTerminal"`
	DockerLabels           map[string]string      `json:"dockerLabels"`
	Ulimits                []ulimit               `json:"ulimits"`
	LogConfiguration       *logConfiguration      `json:"logConfiguration"`
	HealthCheck            *healthCheck           `json:"healthCheck"`
	SystemControls         []systemControl        `json:"systemControls"`
	ResourceRequirements   []resourceRequirement  `json:"resourceRequirements"`
	FirelensConfiguration  *firelensConfiguration `json:"firelensConfiguration"`
	CredentialSpecs        []string               `json:"credentialSpecs"`
}

type repositoryCredentials struct {
	CredentialsParameter *string `json:"credentialsParameter"`
}

type portMapping struct {
	ContainerPort      *int64  `json:"containerPort"`
	HostPort           *int64  `json:"hostPort"`
	Protocol           *string `json:"protocol"`
	Name               *string `json:"name"`
	AppProtocol        *string `json:"appProtocol"`
	ContainerPortRange *string `json:"containerPortRange"`
}

type restartPolicy struct {
	Enabled              *bool   `json:"enabled"`
	IgnoredExitCodes     []int64 `json:"ignoredExitCodes"`
	RestartAttemptPeriod *int64  `json:"restartAttemptPeriod"`
}

type keyValue struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

type environmentFile struct {
	Value *string `json:"value"`
	Type  *string `json:"type"`
}

type mountPoint struct {
	SourceVolume  *string `json:"sourceVolume"`
	ContainerPath *string `json:"containerPath"`
	ReadOnly      *bool   `json:"readOnly"`
}

type volumeFrom struct {
	SourceContainer *string `json:"sourceContainer"`
	ReadOnly        *bool   `json:"readOnly"`
}

type linuxParameters struct {
	Capabilities       *capabilities `json:"capabilities"`
	Devices            []device      `json:"devices"`
	InitProcessEnabled *bool         `json:"initProcessEnabled"`
	SharedMemorySize   *int64        `json:"sharedMemorySize"`
	Tmpfs              []tmpfs       `json:"tmpfs"`
	MaxSwap            *int64        `json:"maxSwap"`
	Swappiness         *int64        `json:"swappiness"`
}

type capabilities struct {
	Add  []string `json:"add"`
	Drop []string `json:"drop"`
}

type device struct {
	HostPath      *string  `json:"hostPath"`
	ContainerPath *string  `json:"containerPath"`
	Permissions   []string `json:"permissions"`
}

type tmpfs struct {
	ContainerPath *string  `json:"containerPath"`
	Size          *int64   `json:"size"`
	MountOptions  []string `json:"mountOptions"`
}

type secret struct {
	Name      *string `json:"name"`
	ValueFrom *string `json:"valueFrom"`
}

type dependency struct {
	ContainerName *string `json:"containerName"`
	Condition     *string `json:"condition"`
}

type hostEntry struct {
	Hostname  *string `json:"hostname"`
	IPAddress *string `json:"ipAddress"`
}

type ulimit struct {
	Name      *string `json:"name"`
	SoftLimit *int64  `json:"softLimit"`
	HardLimit *int64  `json:"hardLimit"`
}

type logConfiguration struct {
	LogDriver     *string           `json:"logDriver"`
	Options       map[string]string `json:"options"`
	SecretOptions []secret          `json:"secretOptions"`
}

type healthCheck struct {
	Command     []string `json:"command"`
	Interval    *int64   `json:"interval"`
	Timeout     *int64   `json:"timeout"`
	Retries     *int64   `json:"retries"`
	StartPeriod *int64   `json:"startPeriod"`
}

type systemControl struct {
	Namespace *string `json:"namespace"`
	Value     *string `json:"value"`
}

type resourceRequirement struct {
	Value *string `json:"value"`
	Type  *string `json:"type"`
}

type firelensConfiguration struct {
	Type    *string           `json:"type"`
	Options map[string]string `json:"options"`
}

type volume struct {
	Name                                    *string           `json:"name"`
	Host                                    *hostVolume       `json:"host"`
	DockerVolumeConfiguration               *dockerVolume     `json:"dockerVolumeConfiguration"`
	EFSVolumeConfiguration                  *efsVolume        `json:"efsVolumeConfiguration" cfn:"EFSVolumeConfiguration"`
	FSxWindowsFileServerVolumeConfiguration *fsxWindowsVolume `json:"fsxWindowsFileServerVolumeConfiguration" cfn:"FSxWindowsFileServerVolumeConfiguration"`
	ConfiguredAtLaunch                      *bool             `json:"configuredAtLaunch"`
}

type hostVolume struct {
	SourcePath *string `json:"sourcePath"`
}

type dockerVolume struct {
	Scope         *string           `json:"scope"`
	Autoprovision *bool             `json:"autoprovision"`
	Driver        *string           `json:"driver"`
	DriverOpts    map[string]string `json:"driverOpts"`
	Labels        map[string]string `json:"labels"`
}

type efsVolume struct {
	FileSystemID          *string           `json:"fileSystemId" cfn:"FilesystemId"`
	RootDirectory         *string           `json:"rootDirectory"`
	TransitEncryption     *string           `json:"transitEncryption"`
	TransitEncryptionPort *int64            `json:"transitEncryptionPort"`
	AuthorizationConfig   *efsAuthorization `json:"authorizationConfig"`
}

type efsAuthorization struct {
	AccessPointID *string `json:"accessPointId"`
	IAM           *string `json:"iam" cfn:"IAM"`
}

type fsxWindowsVolume struct {
	FileSystemID        *string           `json:"fileSystemId"`
	RootDirectory       *string           `json:"rootDirectory"`
	AuthorizationConfig *fsxAuthorization `json:"authorizationConfig"`
}

type fsxAuthorization struct {
	CredentialsParameter *string `json:"credentialsParameter"`
	Domain               *string `json:"domain"`
}

type placementConstraint struct {
	Type       *string `json:"type"`
	Expression *string `json:"expression"`
}

type tag struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

type proxyConfiguration struct {
	Type          *string    `json:"type"`
	ContainerName *string    `json:"containerName"`
	Properties    []keyValue `json:"properties" cfn:"ProxyConfigurationProperties"`
}

type inferenceAccelerator struct {
	DeviceName *string `json:"deviceName"`
	DeviceType *string `json:"deviceType"`
}

type ephemeralStorage struct {
	SizeInGiB *int64 `json:"sizeInGiB"`
}

type runtimePlatform struct {
	CPUArchitecture       *string `json:"cpuArchitecture"`
	OperatingSystemFamily *string `json:"operatingSystemFamily"`
}

type requiresAttribute struct {
	Name       *string `json:"name"`
	Value      *string `json:"value"`
	TargetType *string `json:"targetType"`
	TargetID   *string `json:"targetId"`
}
