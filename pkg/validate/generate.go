package validate

//go:generate go run ./internal/capture -out schemas
