"""ServiceNow's error envelope: ``{"error": {"message", "detail"}, "status": "failure"}`` (servicenow-api.md §4)."""

from ..http import json_response


def error(status, message, detail=None, headers=None):
    return json_response(status, {"error": {"message": message, "detail": detail}, "status": "failure"}, headers)


def not_authenticated():
    # Basic challenge as an instance sends it; the body is the REST API's "User Not Authenticated" envelope.
    return error(401, "User Not Authenticated", "Required to provide Auth information",
                 {"WWW-Authenticate": 'BASIC realm="Service-now"'})


def no_record_single():
    return error(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")


def no_record_list():
    return error(404, "No Record found", "Records matching query not found. Check query parameter or offset parameter")


def invalid_table(table):
    return error(400, "Invalid table %s" % table)


def not_authorized(detail="Not sufficient permissions to access this resource"):
    return error(403, "User Not Authorized", detail)


def business_rule_abort(operation, table, name, reason):
    # A business rule calling setAbortAction(true) after gs.addErrorMessage(reason) (§4: 403 for BR aborts).
    return error(403, "Operation Failed", "Error during %s of %s (%s): %s" % (operation, table, name, reason))
