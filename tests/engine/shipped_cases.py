"""Clinical evidence on the shipped knowledge base that several engine tests share."""

from __future__ import annotations

# An L5 radiculopathy with wide findings (back pain, worse walking): their families are large
# enough that causation takes the split path.
LUMBAR_CASE = {
    "back_pain": "present",
    "symptoms_worse_walking": "present",
    "age_over_50": "present",
    "pain_dorsum_of_foot_left": "present",
    "straight_leg_raise_left": "present",
    "strength_ankle_dorsiflexion_left": "3",
}
