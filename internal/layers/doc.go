// Package layers holds the test that keeps berth's packages importing one way: the table
// "What each package may import" in docs/architecture.md is the rule, and TestImports fails on
// any import of this module's packages that the table does not allow.
package layers
