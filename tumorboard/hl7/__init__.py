"""HL7 v2 in: the MLLP listener (`flask hl7 listen`), ADT and ORU^R01 messages, the message log and the
coordinators' work list of results that match no patient or no marker."""
