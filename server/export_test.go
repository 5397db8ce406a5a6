package server

import "context"

// HoldTurn takes a turn in class's gate as a request would, for tests that
// need the server busy without timing a slow query.
func (s *Server) HoldTurn(class string) (release func(), err error) {
	return s.admission.gates[class].enter(context.Background(), s.admission.maxWait)
}

// BodiesHeld is the bytes large request bodies hold of the body budget now.
func (s *Server) BodiesHeld() int64 { return s.bodies.held() }
