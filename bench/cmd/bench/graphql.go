package main

import "context"

// measureGraphQL records that the GraphQL API is not measured, because
// this version of the module has no mockapi package.
func (b *bench) measureGraphQL(context.Context) error {
	b.report.addNote("GraphQL: not measured, because this version of the module has no GraphQL API (mockapi).")
	return nil
}
