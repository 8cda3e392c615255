package interop

type browser struct{}

func (b *browser) close() {}
