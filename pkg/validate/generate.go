package validate

//go:generate go run ./internal/capture -out schemas
//go:generate go test -run TestCompiledSchemasAreCurrent -update .
