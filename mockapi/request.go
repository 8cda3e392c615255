package mockapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types of GraphQL over HTTP.
const (
	mediaTypeJSON            = "application/json"
	mediaTypeGraphQLResponse = "application/graphql-response+json"
)

// requestError is a GraphQL request that cannot be read, with its status.
type requestError struct {
	status  int
	message string
}

func (e *requestError) response() *graphql.Response {
	return errorResponse(CodeBadRequest, e.message)
}

// errorResponse returns a GraphQL response with one error carrying code.
func errorResponse(code, message string) *graphql.Response {
	err := &gqlerror.Error{Message: message}
	errcode.Set(err, code)
	return &graphql.Response{Errors: gqlerror.List{err}}
}

// postBody is the JSON body of a GraphQL POST request.
type postBody struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// readParams reads the GraphQL request from the query string of a GET or the
// JSON body of a POST. A POST body larger than maxBody gets 413.
func readParams(w http.ResponseWriter, r *http.Request, maxBody int64) (*graphql.RawParams, *requestError) {
	start := graphql.Now()
	var params *graphql.RawParams
	var rerr *requestError
	if r.Method == http.MethodPost {
		params, rerr = readPOST(w, r, maxBody)
	} else {
		params, rerr = readGET(r)
	}
	if rerr != nil {
		return nil, rerr
	}
	if strings.TrimSpace(params.Query) == "" {
		return nil, &requestError{status: http.StatusBadRequest, message: `request has no "query"`}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return params, nil
}

func readGET(r *http.Request) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &requestError{status: http.StatusBadRequest, message: "query string is malformed: " + err.Error()}
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		if err := decodeJSON(v, &params.Variables); err != nil {
			return nil, &requestError{status: http.StatusBadRequest, message: `"variables" is not a JSON object: ` + err.Error()}
		}
	}
	if v := q.Get("extensions"); v != "" {
		if err := decodeJSON(v, &params.Extensions); err != nil {
			return nil, &requestError{status: http.StatusBadRequest, message: `"extensions" is not a JSON object: ` + err.Error()}
		}
	}
	return params, nil
}

func readPOST(w http.ResponseWriter, r *http.Request, maxBody int64) (*graphql.RawParams, *requestError) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != mediaTypeJSON {
		return nil, &requestError{
			status:  http.StatusUnsupportedMediaType,
			message: fmt.Sprintf("Content-Type must be %s, got %q", mediaTypeJSON, r.Header.Get("Content-Type")),
		}
	}

	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.UseNumber()
	var body postBody
	if err := dec.Decode(&body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &requestError{
				status:  http.StatusRequestEntityTooLarge,
				message: fmt.Sprintf("request body is larger than the limit of %d bytes", maxBody),
			}
		}
		return nil, &requestError{status: http.StatusBadRequest, message: "request body is not a valid GraphQL JSON request: " + err.Error()}
	}
	return &graphql.RawParams{
		Query:         body.Query,
		OperationName: body.OperationName,
		Variables:     body.Variables,
		Extensions:    body.Extensions,
	}, nil
}

func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

// responseMediaType returns application/graphql-response+json when the
// client accepts it, and application/json otherwise, as the GraphQL over
// HTTP draft allows for clients that predate the new type.
func responseMediaType(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mediaType == mediaTypeGraphQLResponse {
			return mediaTypeGraphQLResponse
		}
	}
	return mediaTypeJSON
}

// requestErrorStatus returns the status of a request that failed before
// execution (parse, validation, depth or complexity errors): 400 for
// application/graphql-response+json as the GraphQL over HTTP draft requires, and
// 422 for application/json as gqlgen's own transports send for parse and
// validation errors.
func requestErrorStatus(r *http.Request) int {
	if responseMediaType(r) == mediaTypeGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

// writeResponse writes a GraphQL response as JSON.
func writeResponse(w http.ResponseWriter, r *http.Request, status int, resp *graphql.Response) {
	body, err := json.Marshal(resp)
	if err != nil {
		// A resolver value that cannot be encoded is a bug here, not bad
		// input, so send a GraphQL error instead of a broken body.
		body, _ = json.Marshal(errorResponse(CodeInternalServerError, "response could not be encoded"))
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", responseMediaType(r)+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
