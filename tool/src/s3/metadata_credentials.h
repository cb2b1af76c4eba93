// The two metadata endpoints: a container's (ECS, CodeBuild, EKS pod identity) and EC2's
// instance metadata service (IMDSv2: a session token, the role name, its credentials).
#pragma once
#include <optional>
#include <string>

#include "s3/credential_fetch.h"

namespace xship {

Result<Credentials> fetch_container_credentials(const ContainerSpec& spec, const CredentialIo& io);

// Nothing (with `why` set) when there is no instance metadata with a role here: not
// reachable, a token refused, no role attached. Broken replies are errors.
Result<std::optional<Credentials>> fetch_imds_credentials(const ImdsSpec& spec, const CredentialIo& io,
                                                          std::string& why);

}  // namespace xship
