// Package ecs loads Amazon ECS task definitions into berth's source-neutral model, so that
// convert, report and apply treat them like Compose projects.
//
// Accepted inputs (detected from the JSON's shape):
//   - register-task-definition input ({"family": ..., "containerDefinitions": [...]});
//   - describe-task-definition output ({"taskDefinition": {...}, "tags": [...]}); its read-only
//     fields (taskDefinitionArn, revision, status, registeredAt, requiresAttributes,
//     compatibilities, ...) are accepted and reported as ignored; revision becomes the version;
//   - a CloudFormation template (JSON, or YAML with short-form tags: see yaml.go) with
//     AWS::ECS::TaskDefinition resources, or one resource on its own (PascalCase properties;
//     intrinsic functions: see cfn.go);
//   - a Terraform container_definitions array (the family comes from Options.Family);
//   - optionally describe-services output (see service.go).
//
// Strictness follows ECS: keys are case-sensitive, unknown keys and wrong JSON types are
// errors (as the AWS CLI reports them), null means absent, and the registration checks ECS makes
// (required family, name and image, unique names, dependsOn targets and conditions, memory,
// health check ranges, volume references, EFS options) are errors. What ECS tolerates is
// tolerated: task cpu and memory as "1 vcpu" / "0.5 GB" or plain numbers, role names instead of
// ARNs (with a warning), placeholder accounts and regions in ARNs (with a warning).
// CloudFormation additionally accepts "80" for integers and "true" for booleans, as CloudFormation
// does. Every error names file:line:col, the container and the field path.
//
// Mapping decisions:
//   - One task definition is one model.Service named after its family (DNS-1123 sanitized).
//   - Containers[0] is the main container: the first essential container with port mappings,
//     else the first essential container; the others keep their input order.
//   - entryPoint → Command (ENTRYPOINT), command → Args (CMD).
//   - hostPort is kept only with networkMode host; elsewhere the pod IP replaces it.
//   - cpu units are a request (1024 = 1 CPU, 256 → 250m), memory the limit, memoryReservation the
//     request; task cpu/memory are Service.Resources.
//   - Health checks carry ECS's defaults explicitly (interval 30s, timeout 5s, retries 3).
//   - Per-pod settings written per container in ECS (hostname, DNS, extraHosts, systemControls,
//     dockerLabels, links, repositoryCredentials) are merged into the Service; conflicts warn.
//   - volumesFrom is expanded: the source container's volume mounts, at the same paths.
//   - Secret references are parsed, never resolved; no message repeats a reference.
//
// Every field seen is listed in App.Inputs with its position, so the report can account for
// each. Field paths are the JSON paths in the file; when several task definitions are loaded
// together they are prefixed with "<service>:" to stay unique.
package ecs
