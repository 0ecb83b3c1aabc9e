"""HL7's published FHIR R4 example resources, re-typed as test fixtures (narratives, meta tags and the
parts the import does not read left out; every value that is read kept as published).

Sources, FHIR R4 (4.0.1) specification examples, https://hl7.org/fhir/R4/ (the same files are the test
data of fhir.resources, fhir/resources/R4B/tests):
- patient-example-f001-pieter.json ("Pieter van de Heuvel", Burgers University Medical Centre)
- observation-example-f001-glucose.json (glucose 6.3 mmol/l, LOINC 15074-8)
- patient-example.json ("Peter James Chalmers")
- diagnosticreport-example-ultrasound.json (abdominal ultrasound, "Unremarkable study")
- imagingstudy-example.json (a CT, "CT Surview 180"); its subject, Patient/dicom, is re-pointed at the
  Patient it is bundled with
"""

PATIENT_F001 = {
    "resourceType": "Patient",
    "id": "f001",
    "identifier": [{"use": "usual", "system": "urn:oid:2.16.840.1.113883.2.4.6.3", "value": "738472983"}],
    "active": True,
    "name": [{"use": "usual", "family": "van de Heuvel", "given": ["Pieter"], "suffix": ["MSc"]}],
    "telecom": [
        {"system": "phone", "value": "0648352638", "use": "mobile"},
        {"system": "email", "value": "p.heuvel@gmail.com", "use": "home"},
    ],
    "gender": "male",
    "birthDate": "1944-11-17",
    "multipleBirthBoolean": True,
    "managingOrganization": {
        "reference": "Organization/f001",
        "display": "Burgers University Medical Centre",
    },
}

OBSERVATION_F001_GLUCOSE = {
    "resourceType": "Observation",
    "id": "f001",
    "identifier": [
        {
            "use": "official",
            "system": "http://www.bmc.nl/zorgportal/identifiers/observations",
            "value": "6323",
        }
    ],
    "status": "final",
    "code": {
        "coding": [
            {"system": "http://loinc.org", "code": "15074-8", "display": "Glucose [Moles/volume] in Blood"}
        ]
    },
    "subject": {"reference": "Patient/f001", "display": "P. van de Heuvel"},
    "effectivePeriod": {"start": "2013-04-02T09:30:10+01:00", "end": "2013-04-05T09:30:10+01:00"},
    "issued": "2013-04-03T15:30:10+01:00",
    "performer": [{"reference": "Practitioner/f005", "display": "A. Langeveld"}],
    "valueQuantity": {
        "value": 6.3,
        "unit": "mmol/l",
        "system": "http://unitsofmeasure.org",
        "code": "mmol/L",
    },
    "interpretation": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                    "code": "H",
                    "display": "High",
                }
            ]
        }
    ],
    "referenceRange": [
        {
            "low": {"value": 3.1, "unit": "mmol/l", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
            "high": {"value": 6.2, "unit": "mmol/l", "system": "http://unitsofmeasure.org", "code": "mmol/L"},
        }
    ],
}

PATIENT_EXAMPLE = {
    "resourceType": "Patient",
    "id": "example",
    "identifier": [
        {
            "use": "usual",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
            "system": "urn:oid:1.2.36.146.595.217.0.1",
            "value": "12345",
            "period": {"start": "2001-05-06"},
            "assigner": {"display": "Acme Healthcare"},
        }
    ],
    "active": True,
    "name": [
        {"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
        {"use": "usual", "given": ["Jim"]},
    ],
    "gender": "male",
    "birthDate": "1974-12-25",
    "managingOrganization": {"reference": "Organization/1"},
}

DIAGNOSTICREPORT_ULTRASOUND = {
    "resourceType": "DiagnosticReport",
    "id": "ultrasound",
    "status": "final",
    "category": [
        {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "394914008", "display": "Radiology"},
                {"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"},
            ]
        }
    ],
    "code": {
        "coding": [
            {"system": "http://snomed.info/sct", "code": "45036003", "display": "Ultrasonography of abdomen"}
        ],
        "text": "Abdominal Ultrasound",
    },
    "subject": {"reference": "Patient/example"},
    "effectiveDateTime": "2012-12-01T12:00:00+01:00",
    "issued": "2012-12-01T12:00:00+01:00",
    "performer": [{"reference": "Practitioner/example"}],
    "media": [
        {
            "comment": "A comment about the image",
            "link": {
                "reference": "Media/1.2.840.11361907579238403408700.3.1.04.19970327150033",
                "display": "WADO example image",
            },
        }
    ],
    "conclusion": "Unremarkable study",
}


IMAGINGSTUDY_EXAMPLE = {
    "resourceType": "ImagingStudy",
    "id": "example",
    "identifier": [
        {"system": "urn:dicom:uid", "value": "urn:oid:2.16.124.113543.6003.1154777499.30246.19789.3503430045"}
    ],
    "status": "available",
    "subject": {"reference": "Patient/dicom"},
    "started": "2011-01-01T11:01:20+03:00",
    "numberOfSeries": 1,
    "numberOfInstances": 1,
    "series": [
        {
            "uid": "2.16.124.113543.6003.2588828330.45298.17418.2723805630",
            "number": 3,
            "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"},
            "description": "CT Surview 180",
            "numberOfInstances": 1,
            "bodySite": {
                "system": "http://snomed.info/sct",
                "code": "67734004",
                "display": "Upper Trunk Structure",
            },
        }
    ],
}


def bundle(*resources: dict, kind: str = "collection") -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"http://hl7.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
