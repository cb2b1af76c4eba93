// role_arn in a profile: which credentials STS AssumeRole is called with, following
// source_profile links (a chain of roles) or credential_source, as the AWS CLI does.
#pragma once
#include <optional>

#include "s3/credentials.h"
#include "s3/shared_files.h"

namespace xship {

// The base source and the roles to assume in order (the profile's own role last).
// Nothing when the profile has no role_arn with source_profile or credential_source.
// Loops, missing profiles and sources without credentials are Credentials errors.
Result<std::optional<CredentialPlan>> plan_profile_role(const SharedFiles& files, const ProfileSettings& profile,
                                                        const EnvLookup& env);

}  // namespace xship
