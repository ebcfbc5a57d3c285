// The AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2/service/chime, Debian package
// golang-github-aws-aws-sdk-go-v2-dev) driving chime-mock: a create whose User parses
// (InvitedOn a time.Time), the control plane used from Go (reset, accounts, faults, users,
// the request journal, masked), and each of the eight CreateUser exceptions reaching the SDK
// as its own error (errors.As on types.XxxException). Retries are off (aws.NopRetryer).
// Prints one line per check and a closing "go-v2: N passed, N failed"; exits 1 if any
// failed.
//
// A limit of this SDK version: aws-sdk-go-v2 1.17.1 (Debian bookworm) takes the error type
// from the body's `Code` member before the X-Amzn-ErrorType header (fixed upstream in 2023,
// aws/aws-sdk-go-v2 issue #1910, pull request #2012), and Chime's errors carry `Code` (an
// ErrorCode such as "BadRequest"), from the real service as from the mock. So an exception
// reaches this SDK as a smithy.GenericAPIError whose ErrorCode() is that ErrorCode, not as
// types.XxxException. The check accepts exactly that (with the exception's HTTP status) as
// well as the modeled type, and a closing note counts how many arrived each way. Built offline in GOPATH mode by clients/install.sh; the mock's URL comes from
// CHIME_MOCK_URL.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/chime"
	"github.com/aws/aws-sdk-go-v2/service/chime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	sdkName   = "go-v2"
	account   = "a1b2c3d4-0000-4000-8000-000000000001"
	accessKey = "AKIDCHIMEMOCKEXAMPLE"
	secretKey = "chimeMockSecretKeyEXAMPLE/ForTestsOnly+0000"
	region    = "us-east-1"
)

// Each exception with the HTTP status the mock answers it with and the ErrorCode in its
// body's Code member.
var exceptions = []struct {
	name   string
	status int
	code   string
}{
	{"BadRequestException", 400, "BadRequest"},
	{"UnauthorizedClientException", 401, "Unauthorized"},
	{"ForbiddenException", 403, "Forbidden"},
	{"NotFoundException", 404, "NotFound"},
	{"ConflictException", 409, "Conflict"},
	{"ThrottledClientException", 429, "Throttled"},
	{"ServiceFailureException", 500, "ServiceFailure"},
	{"ServiceUnavailableException", 503, "ServiceUnavailable"},
}

// isModeled reports whether err is the SDK's own modeled type for the exception `name`.
func isModeled(err error, name string) bool {
	switch name {
	case "BadRequestException":
		var e *types.BadRequestException
		return errors.As(err, &e)
	case "UnauthorizedClientException":
		var e *types.UnauthorizedClientException
		return errors.As(err, &e)
	case "ForbiddenException":
		var e *types.ForbiddenException
		return errors.As(err, &e)
	case "NotFoundException":
		var e *types.NotFoundException
		return errors.As(err, &e)
	case "ConflictException":
		var e *types.ConflictException
		return errors.As(err, &e)
	case "ThrottledClientException":
		var e *types.ThrottledClientException
		return errors.As(err, &e)
	case "ServiceFailureException":
		var e *types.ServiceFailureException
		return errors.As(err, &e)
	case "ServiceUnavailableException":
		var e *types.ServiceUnavailableException
		return errors.As(err, &e)
	}
	return false
}

var url = strings.TrimSuffix(os.Getenv("CHIME_MOCK_URL"), "/")

func client(secret string) *chime.Client {
	return chime.New(chime.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		EndpointResolver: chime.EndpointResolverFromURL(url),
		Retryer:          aws.NopRetryer{},
		HTTPClient:       awshttp.NewBuildableClient().WithTimeout(60 * time.Second),
	})
}

// control calls the control plane: JSON in and out, no signing (bounded to 10 s).
func control(method, path string, body interface{}) (int, map[string]interface{}, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		reader = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, url+"/_chime-mock"+path, reader)
	if err != nil {
		return 0, nil, err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := (&http.Client{Timeout: 10 * time.Second}).Do(request)
	if err != nil {
		return 0, nil, err
	}
	defer response.Body.Close()
	answer := map[string]interface{}{}
	if err := json.NewDecoder(response.Body).Decode(&answer); err != nil {
		return response.StatusCode, nil, err
	}
	return response.StatusCode, answer, nil
}

var passed, failed int

// How many exceptions arrived as their modeled type, and how many by the body's Code only.
var asType, byCodeOnly int

func check(name string, run func() string) {
	problem := func() (problem string) {
		defer func() {
			if p := recover(); p != nil {
				problem = fmt.Sprintf("panicked: %v", p)
			}
		}()
		return run()
	}()
	if problem != "" {
		failed++
		fmt.Printf("FAIL %s: %s: %s\n", sdkName, name, problem)
	} else {
		passed++
		fmt.Printf("PASS %s: %s\n", sdkName, name)
	}
}

func create(on *chime.Client, accountID, email string) (*chime.CreateUserOutput, error) {
	return on.CreateUser(context.Background(), &chime.CreateUserInput{
		AccountId: aws.String(accountID),
		Email:     aws.String(email),
	})
}

func expectError(err error, name string, status int, code string) string {
	if err == nil {
		return "no error returned"
	}
	var response *awshttp.ResponseError
	if !errors.As(err, &response) || response.HTTPStatusCode() != status {
		return fmt.Sprintf("HTTP status not %d: %v", status, err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return fmt.Sprintf("not an API error: %v", err)
	}
	if isModeled(err, name) && api.ErrorCode() == name {
		asType++
		return ""
	}
	var generic *smithy.GenericAPIError
	if errors.As(err, &generic) && generic.Code == code {
		byCodeOnly++ // issue #1910: see the comment at the top
		return ""
	}
	return fmt.Sprintf("returned %T with code %q (%v), neither *types.%s nor the code %q",
		api, api.ErrorCode(), err, name, code)
}

func trigger(sdk *chime.Client, name string) error {
	email := fmt.Sprintf("go.%s@example.com", strings.ToLower(name))
	var err error
	switch name {
	// A bad Email and a wrong secret are what a client must never send (the mock's
	// --judge-clients would rightly record them): BadRequestException and
	// UnauthorizedClientException come from fault rules, with the server-side faults.
	case "ForbiddenException":
		if _, _, e := control("POST", "/accounts", map[string]string{"id": "go-forbidden", "kind": "forbidden"}); e != nil {
			return e
		}
		_, err = create(sdk, "go-forbidden", email)
	case "NotFoundException":
		_, err = create(sdk, "no-such-account", email)
	case "ConflictException":
		_, err = create(sdk, account, "go.user@example.com")
	default:
		if _, _, e := control("POST", "/faults", map[string]interface{}{"exception": name, "count": 1}); e != nil {
			return e
		}
		_, err = create(sdk, account, email)
	}
	return err
}

func main() {
	if url == "" {
		fmt.Fprintln(os.Stderr, "CHIME_MOCK_URL is not set: run clients/run.sh, or start chime-mock and set it")
		os.Exit(2)
	}
	sdk := client(secretKey)
	check("control plane: reset", func() string {
		if status, _, err := control("POST", "/reset", nil); err != nil || status != 200 {
			return fmt.Sprintf("reset failed: %d %v", status, err)
		}
		return ""
	})
	var user *types.User
	check("CreateUser returns a User with InvitedOn as a time.Time", func() string {
		answer, err := sdk.CreateUser(context.Background(), &chime.CreateUserInput{
			AccountId: aws.String(account),
			Email:     aws.String("go.user@example.com"),
			Username:  aws.String("go"),
			UserType:  types.UserTypePrivateUser,
		})
		if err != nil {
			return fmt.Sprintf("returned %v", err)
		}
		user = answer.User
		if user == nil || aws.ToString(user.UserId) == "" {
			return "no UserId"
		}
		if user.InvitedOn == nil || user.InvitedOn.IsZero() {
			return fmt.Sprintf("InvitedOn is %v, not a time", user.InvitedOn)
		}
		raw, ok := awsmiddleware.GetRawResponse(answer.ResultMetadata).(*smithyhttp.Response)
		if !ok || raw.StatusCode != 201 {
			return fmt.Sprintf("status not 201: %v", raw)
		}
		return ""
	})
	check("control plane: users lists the created user", func() string {
		_, answer, err := control("GET", "/users?account="+account, nil)
		if err != nil {
			return err.Error()
		}
		listed, _ := answer["users"].([]interface{})
		if user == nil || len(listed) != 1 {
			return fmt.Sprintf("users: %v", listed)
		}
		if first, _ := listed[0].(map[string]interface{}); first["UserId"] != aws.ToString(user.UserId) {
			return fmt.Sprintf("users: %v", listed)
		}
		return ""
	})
	check("control plane: the journal shows the request the SDK sent, masked", func() string {
		_, answer, err := control("GET", "/requests?limit=1", nil)
		if err != nil {
			return err.Error()
		}
		requests, _ := answer["requests"].([]interface{})
		if len(requests) == 0 {
			return "the journal is empty"
		}
		seen, _ := requests[len(requests)-1].(map[string]interface{})
		path, _ := seen["path"].(string)
		if seen["method"] != "POST" || !strings.Contains(path, "operation=create") {
			return fmt.Sprintf("the journal's last request is not a CreateUser: %q", path)
		}
		headers, _ := seen["headers"].(map[string]interface{})
		authorization, _ := headers["authorization"].(string)
		if strings.Contains(authorization, "Signature=") || !strings.Contains(authorization, "masked") {
			return fmt.Sprintf("Authorization is not masked: %q", authorization)
		}
		body, _ := seen["body"].(map[string]interface{})
		if body["UserType"] != "PrivateUser" {
			return fmt.Sprintf("the journal does not show the body sent: %v", seen["body"])
		}
		if text, _ := json.Marshal(body); strings.Contains(string(text), "example.com") {
			return "an email is shown in clear in the journal"
		}
		return ""
	})
	for _, exception := range exceptions {
		exception := exception
		check(exception.name+" reaches the SDK as its own error", func() string {
			return expectError(trigger(sdk, exception.name), exception.name, exception.status, exception.code)
		})
	}
	if byCodeOnly > 0 {
		fmt.Printf("note %s: %d exception(s) arrived as their types.XxxException, %d as a smithy.GenericAPIError "+
			"named by the body's Code (aws-sdk-go-v2 1.17.1 reads Code before X-Amzn-ErrorType: issue #1910)\n",
			sdkName, asType, byCodeOnly)
	}
	fmt.Printf("%s: %d passed, %d failed\n", sdkName, passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}
